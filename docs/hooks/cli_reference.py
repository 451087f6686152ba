"""MkDocs hook: render the aftercall command line into docs/cli.md at build time.

The reference is generated from the Typer app itself, so it cannot drift from the code.
It relies on one import only, ``from aftercall.cli import app``, and walks the click
command tree that Typer builds (``typer.main.get_command``); nothing else about the
package layout is assumed. The tree is read by duck typing (``list_commands``,
``param_type_name``...), not by ``isinstance`` against ``click``: recent Typer releases
ship their own copy of click (``typer._click``), whose classes are not ``click``'s.

cli.md holds the placeholder ``<!-- cli-reference -->``; this hook replaces it. A build
fails (rather than publishing an empty page) when the app cannot be imported or the
placeholder is missing.

Registered in mkdocs.yml under ``hooks:``. The hook also points pymdownx.snippets at the
repository root (the folder of mkdocs.yml), so ``--8<-- "models/README.md"`` resolves
wherever mkdocs is started from.
"""

from __future__ import annotations

import html
import logging
import re
import sys
import textwrap
from pathlib import Path
from typing import Any

log = logging.getLogger("mkdocs.hooks.cli_reference")

PLACEHOLDER = "<!-- cli-reference -->"
PAGE = "cli.md"
PROG = "aftercall"

_rendered: str | None = None


class CliReferenceError(Exception):
    """Raised so that mkdocs stops with one clear message."""


def on_config(config: Any) -> Any:
    root = Path(config.config_file_path).resolve().parent
    snippets = config.mdx_configs.get("pymdownx.snippets")
    if snippets is not None:
        snippets["base_path"] = [str(root)]
    # A checkout without `pip install -e .`: import the package from the repository.
    if str(root) not in sys.path:
        sys.path.append(str(root))
    return config


def on_pre_build(config: Any) -> None:
    global _rendered
    _rendered = render_cli()


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if page.file.src_uri != PAGE:
        return markdown
    if PLACEHOLDER not in markdown:
        raise CliReferenceError(f"docs/{PAGE} lost its placeholder {PLACEHOLDER}")
    return markdown.replace(PLACEHOLDER, _rendered if _rendered is not None else render_cli())


# ---------------------------------------------------------------------------------------


def load_command() -> Any:
    try:
        import typer.main

        from aftercall.cli import app
    except Exception as exc:  # noqa: BLE001 - any import failure stops the build
        raise CliReferenceError(
            f"cannot import the CLI (from aftercall.cli import app): {exc!r}"
        ) from exc
    return typer.main.get_command(app)


def render_cli() -> str:
    root = load_command()
    ctx = new_context(root, PROG, None)
    parts: list[str] = []
    index: list[str] = []
    for path, cmd, cmd_ctx in walk(root, ctx, [PROG]):
        depth = len(path)
        name = " ".join(path)
        if depth > 1:
            index.append(f"{'    ' * (depth - 2)}- [`{name}`](#{anchor(path)})")
        parts.append(render_command(path, cmd, cmd_ctx))
    log.info("cli_reference: rendered %d commands", len(parts))
    return "\n\n".join(["## Commands", "\n".join(index), *parts]) + "\n"


def new_context(cmd: Any, name: str, parent: Any) -> Any:
    # The command's own context class: click's, or the copy Typer vendors.
    return cmd.context_class(cmd, info_name=name, parent=parent)


def is_group(cmd: Any) -> bool:
    return callable(getattr(cmd, "list_commands", None)) and callable(
        getattr(cmd, "get_command", None)
    )


def subcommands(cmd: Any, ctx: Any) -> list[tuple[str, Any]]:
    if not is_group(cmd):
        return []
    subs = []
    for sub_name in cmd.list_commands(ctx):
        sub = cmd.get_command(ctx, sub_name)
        if sub is not None and not getattr(sub, "hidden", False):
            subs.append((sub_name, sub))
    return subs


def walk(cmd: Any, ctx: Any, path: list[str]):
    """Yield (path, command, context) for cmd and every visible sub-command, depth first."""
    yield path, cmd, ctx
    for sub_name, sub in subcommands(cmd, ctx):
        yield from walk(sub, new_context(sub, sub_name, ctx), [*path, sub_name])


def anchor(path: list[str]) -> str:
    return "cmd-" + "-".join(p.lower() for p in path)


def render_command(path: list[str], cmd: Any, ctx: Any) -> str:
    name = " ".join(path)
    level = "#" * min(2 + len(path) - 1, 6)
    out = [f"{level} `{name}` {{ #{anchor(path)} }}"]
    help_text = clean_help(cmd.help or cmd.short_help or "")
    if help_text:
        out.append(help_text)
    pieces = " ".join(cmd.collect_usage_pieces(ctx))
    usage = (
        f"{ctx.command_path} {re.sub(r'[{]([A-Za-z_]+)[}]', lambda m: m.group(1).upper(), pieces)}"
    )
    out.append(f"```\nUsage: {usage}\n```")

    args = [p for p in cmd.params if p.param_type_name == "argument"]
    opts = [
        p for p in cmd.params if p.param_type_name == "option" and not getattr(p, "hidden", False)
    ]
    if args:
        out.append(
            "**Arguments**\n\n" + table(["argument", "help"], [param_row(a, ctx) for a in args])
        )
    if opts:
        out.append("**Options**\n\n" + table(["option", "help"], [param_row(o, ctx) for o in opts]))

    subs = [
        [f"[`{sub_name}`](#{anchor([*path, sub_name])})", cell(sub.get_short_help_str(limit=120))]
        for sub_name, sub in subcommands(cmd, ctx)
    ]
    if subs:
        out.append("**Commands**\n\n" + table(["command", "what it does"], subs))
    return "\n\n".join(out)


def param_row(param: Any, ctx: Any) -> list[str]:
    """[names with metavar, help]: the two columns `--help` prints for the parameter."""
    record = None
    try:
        record = param.get_help_record(ctx)
    except Exception:  # noqa: BLE001 - an odd parameter must not stop the build
        record = None
    if record:
        names, help_text = record
    else:
        names = " / ".join([*getattr(param, "opts", []), *getattr(param, "secondary_opts", [])])
        names = names or (param.name or "").upper()
        help_text = getattr(param, "help", None) or ""
        if getattr(param, "required", False):
            help_text = (help_text + "  [required]").strip()
    return [f"`{' '.join(str(names).split())}`", cell(help_text)]


def clean_help(text: str) -> str:
    """Click help text to markdown: drop \\b markers and the \\f cut, keep paragraphs."""
    text = text.split("\f", 1)[0]
    paragraphs = []
    for para in text.strip().split("\n\n"):
        lines = [ln for ln in para.split("\n") if ln.strip() != "\b"]
        verbatim = para.lstrip().startswith("\b")
        body = "\n".join(lines).strip("\n")
        if not body:
            continue
        if verbatim:
            paragraphs.append("```\n" + body + "\n```")
        else:
            paragraphs.append(escape_prose(textwrap.dedent(body)))
    return "\n\n".join(paragraphs)


def escape_prose(text: str, in_table: bool = False) -> str:
    """Escape HTML (and, in a table cell, pipes) outside `code spans`.

    Inside a code span markdown shows the text as written, and Python-Markdown's tables do
    not split a row at a pipe inside one, so code spans are left alone.
    """

    def escape(piece: str) -> str:
        piece = html.escape(piece, quote=False)
        return piece.replace("|", "\\|") if in_table else piece

    pieces = text.split("`")
    if len(pieces) % 2 == 0:  # an unpaired backtick: no code spans to keep
        return escape(text)
    for i in range(0, len(pieces), 2):
        pieces[i] = escape(pieces[i])
    return "`".join(pieces)


def cell(text: str) -> str:
    return escape_prose(" ".join(str(text).split()), in_table=True)


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
