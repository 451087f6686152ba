"""Generate the synthetic demo call corpus in aftercall/demo_calls/.

Why it exists: `aftercall demo` and the end-to-end tests need real stereo recordings (agent on
the left channel, customer on the right) that cover the cases the product must catch (resolved
calls, broken promises, a repeat caller, deflection, churn threats, escalation, abuse) without
shipping anyone's real call. The calls are spoken by espeak-ng and assembled with sox, so the
corpus is small, license-clean and reproducible: the same scripts give the same bytes, and
`scripts.json` records each turn's true start and end in the audio (sample-exact).

Run: .venv/bin/python scripts/make_demo_calls.py [--out DIR]
Needs: espeak-ng and sox (with FLAC support) on PATH; nothing outside the standard library.
"""

from __future__ import annotations

import argparse
import array
import csv
import io
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import wave
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "aftercall" / "demo_calls"

RATE = 16_000  # Hz, what the recordings are stored at
# Voices and wording were checked with Whisper tiny.en, which must read the key phrases. The
# female variants mangle words ("supervisor", "called me back") unless a small gap is kept
# between words (-g, in 10 ms units); +f2 with -g 3 read best. Effective rate ~150 wpm.
AGENT_VOICE = ("en-us+m3", 160, 2)  # (voice, words per minute, word gap)
CUSTOMER_VOICE = ("en-us+f2", 155, 3)
# Samples keep this many significant bits (the rest are zero, which FLAC stores for free):
# telephone-grade resolution (G.711 is coarser), about half the FLAC size of full 16 bits.
KEEP_BITS = 12
LEAD_S = 0.5  # silence before the agent's greeting
TAIL_S = 0.3  # silence after the last turn
GAP_RANGE_S = (0.4, 0.8)  # pause between two turns
MIN_CALL_S, MAX_CALL_S, MAX_TOTAL_S = 15.0, 40.0, 300.0

MANIFEST_COLUMNS = (
    "file",
    "call_id",
    "customer_id",
    "agent_id",
    "started_at",
    "customer_name",
    "phone",
    "email",
    "queue",
    "customer_value",
)
OUTCOMES = frozenset({"resolved", "unresolved"})
CATEGORIES = frozenset(
    {
        "billing",
        "technical",
        "delivery",
        "account_access",
        "cancellation",
        "product_quality",
        "service_appointment",
        "other",
    }
)
OWN_FILE = re.compile(r"^\d\d_[a-z0-9_]+\.flac$")  # names this script writes (and may remove)


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name: str
    phone: str
    email: str
    value: float


@dataclass(frozen=True)
class Call:
    name: str
    call_id: str
    industry: str
    outcome: str
    category: str
    notes: str
    customer: Customer
    agent_id: str
    started_at: str
    queue: str
    turns: tuple[tuple[str, str], ...]  # (speaker "A" or "C", text), agent first


def _customer(number: int, name: str, value: float) -> Customer:
    first, last = name.lower().split()
    return Customer(
        customer_id=f"C-{1000 + number}",
        name=name,
        phone=f"+1 202 555 {100 + number:04d}",  # 555-0100..0199: reserved for fiction
        email=f"{first}.{last}@example.com",
        value=value,
    )


HELLO = "Thank you for calling {}, this is {}, how can I help you today?"
KAREN = _customer(5, "Karen Miller", 1860.0)  # calls twice about the same bill

CALLS: tuple[Call, ...] = (
    Call(
        name="01_internet_outage_resolved",
        call_id="DEMO-1001",
        industry="telecom/internet",
        outcome="resolved",
        category="technical",
        notes="Outage fixed on the call by a remote modem reset; first-person apology; "
        "customer confirms the fix.",
        customer=_customer(1, "Maria Lopez", 780.0),
        agent_id="A-201",
        started_at="2026-11-16T08:05:00-05:00",
        queue="tech",
        turns=(
            ("A", HELLO.format("Brightline Internet", "Mark")),
            (
                "C",
                "Hi, my internet has been out since last night. The modem light is flashing red.",
            ),
            (
                "A",
                "I'm so sorry about that. I'm sending a reset to your modem now. "
                "Is the light green?",
            ),
            ("C", "Yes, it's green now, and the page loads. Great, you fixed it."),
        ),
    ),
    Call(
        name="02_bank_login_resolved",
        call_id="DEMO-1002",
        industry="bank/card",
        outcome="resolved",
        category="account_access",
        notes="Expired online-banking password reset during the call; customer logs in and "
        "confirms it works.",
        customer=_customer(2, "Linda Park", 2450.0),
        agent_id="A-202",
        started_at="2026-11-16T10:40:00-05:00",
        queue="accounts",
        turns=(
            ("A", HELLO.format("Harbor Bank", "David")),
            ("C", "Hi, I'm locked out of online banking. It says my password expired."),
            ("A", "I've just emailed you a password reset link. Please choose a new password."),
            ("C", "Okay, done, and I'm signed in. It works now, thank you."),
            ("A", "You're welcome. Have a great day."),
        ),
    ),
    Call(
        name="03_clinic_appointment_resolved",
        call_id="DEMO-1003",
        industry="healthcare",
        outcome="resolved",
        category="service_appointment",
        notes="Appointment moved to a slot the patient accepts; booking confirmed on the call.",
        customer=_customer(3, "Susan Reed", 320.0),
        agent_id="A-203",
        started_at="2026-11-17T09:20:00-05:00",
        queue="appointments",
        turns=(
            ("A", HELLO.format("Maple Grove Clinic", "Paul")),
            ("C", "Hi, I need to move my Friday appointment with Doctor Shah."),
            ("A", "No problem. I have Monday at ten in the morning. Would that work?"),
            ("C", "Yes, Monday at ten is perfect."),
            ("A", "Done, see you on Monday."),
            ("C", "Great, that's all I needed. Thank you."),
        ),
    ),
    Call(
        name="04_addon_cancel_resolved",
        call_id="DEMO-1004",
        industry="software subscription",
        outcome="resolved",
        category="cancellation",
        notes="Customer cancels an unused option (not the account); removed and credited on "
        "the call. A cancellation that is not a churn threat.",
        customer=_customer(4, "Emily Chen", 540.0),
        agent_id="A-204",
        started_at="2026-11-17T13:05:00-05:00",
        queue="billing",
        turns=(
            ("A", HELLO.format("Lumen Cloud", "Kevin")),
            ("C", "Hi, I'd like to cancel the extra storage option. I never use it."),
            ("A", "Sure. I've removed it and credited this month's four dollars."),
            ("C", "I can see the credit already. That's exactly what I wanted, thanks."),
            ("A", "My pleasure. Bye now."),
        ),
    ),
    Call(
        name="05_energy_bill_callback_promise",
        call_id="DEMO-1005",
        industry="utility/energy",
        outcome="unresolved",
        category="billing",
        notes="Repeat customer, first call. Looks resolved-ish (customer thanks the agent) but "
        "the bill is not corrected: agent promises a callback tomorrow (2026-11-17). See 06.",
        customer=KAREN,
        agent_id="A-205",
        started_at="2026-11-16T09:12:00-05:00",
        queue="billing",
        turns=(
            ("A", HELLO.format("Northwind Energy", "Daniel")),
            (
                "C",
                "Hi, my electricity bill this month is three hundred dollars. "
                "It's usually about ninety.",
            ),
            (
                "A",
                "That looks high. It may be an estimated reading. Let me look into it, "
                "and I'll call you back tomorrow.",
            ),
            ("C", "Okay, thanks. I'll wait for your call."),
        ),
    ),
    Call(
        name="06_energy_bill_nobody_called_back",
        call_id="DEMO-1006",
        industry="utility/energy",
        outcome="unresolved",
        category="billing",
        notes="Repeat customer, second call three days after 05 about the same bill: nobody "
        "called back (broken promise). First-person apology; new promise: corrected bill by "
        "Monday (2026-11-23); customer unconvinced.",
        customer=KAREN,
        agent_id="A-206",
        started_at="2026-11-19T14:40:00-05:00",
        queue="billing",
        turns=(
            ("A", HELLO.format("Northwind Energy", "Mike")),
            (
                "C",
                "I called on Monday about my three hundred dollar bill. Someone promised to "
                "call me back the next day, and nobody has called me back.",
            ),
            (
                "A",
                "I'm so sorry about that. I've sent your case on now. "
                "Your bill will be corrected by Monday.",
            ),
            ("C", "Fine. But I've been told that before."),
        ),
    ),
    Call(
        name="07_package_lost_third_call",
        call_id="DEMO-1007",
        industry="e-commerce delivery",
        outcome="unresolved",
        category="delivery",
        notes="Third call about the same order, nothing changed; corporate apology ('we "
        "apologise'); refund promise (5 to 7 business days) the customer did not want.",
        customer=_customer(7, "Angela Brooks", 260.0),
        agent_id="A-207",
        started_at="2026-11-17T11:30:00-05:00",
        queue="orders",
        turns=(
            ("A", HELLO.format("Cobalt Home", "Jason")),
            (
                "C",
                "This is the third time I'm calling about my order, and nothing has "
                "changed. It still hasn't arrived.",
            ),
            (
                "A",
                "We apologise for any inconvenience. The package is lost. "
                "The refund will post in 5 to 7 business days.",
            ),
            ("C", "I didn't want a refund, I wanted the lamp. Unbelievable."),
        ),
    ),
    Call(
        name="08_card_declined_deflection",
        call_id="DEMO-1008",
        industry="e-commerce checkout/card",
        outcome="unresolved",
        category="billing",
        notes="Agent deflects ('not my department', 'call the bank', 'nothing I can do'); "
        "no apology; customer accepts a workaround tentatively ('I guess I'll try that').",
        customer=_customer(8, "Nicole Harris", 150.0),
        agent_id="A-208",
        started_at="2026-11-18T16:15:00-05:00",
        queue="orders",
        turns=(
            ("A", HELLO.format("Trailhead Outdoors", "Eric")),
            ("C", "Hi, my card keeps getting declined at checkout on your website."),
            ("A", "That's not my department, you'll have to call the bank."),
            ("C", "The bank says the charge never reached them. Can you check your system?"),
            ("A", "There's nothing I can do from here. You could try another card."),
            ("C", "I guess I'll try that."),
        ),
    ),
    Call(
        name="09_slow_internet_churn_threat",
        call_id="DEMO-1009",
        industry="telecom/internet",
        outcome="unresolved",
        category="technical",
        notes="Evening drop-outs; promise: technician Thursday morning (2026-11-19); churn "
        "threat: cancelling if not fixed by Friday (2026-11-20); first-person apology.",
        customer=_customer(9, "Rebecca Young", 5400.0),
        agent_id="A-209",
        started_at="2026-11-17T18:20:00-05:00",
        queue="tech",
        turns=(
            ("A", HELLO.format("Brightline Internet", "Tony")),
            (
                "C",
                "My internet keeps dropping every evening. I work from home, "
                "and I can't join my meetings.",
            ),
            (
                "A",
                "I'm sorry you're dealing with that. There's a fault on the line. "
                "A technician will come Thursday morning.",
            ),
            ("C", "Okay. But if this isn't fixed by Friday, I'm cancelling my account."),
            ("A", "I understand."),
        ),
    ),
    Call(
        name="10_insurance_claim_supervisor",
        call_id="DEMO-1010",
        industry="insurance",
        outcome="unresolved",
        category="other",
        notes="Claim stuck for six weeks; corporate apology; customer asks for a supervisor "
        "and a formal complaint (escalation).",
        customer=_customer(10, "Laura Bennett", 3100.0),
        agent_id="A-210",
        started_at="2026-11-18T10:05:00-05:00",
        queue="claims",
        turns=(
            ("A", HELLO.format("Keystone Insurance", "Adam")),
            (
                "C",
                "I filed an insurance claim for my car six weeks ago, "
                "and I still haven't heard anything.",
            ),
            ("A", "We apologise for any inconvenience. Claims can take up to sixty days."),
            (
                "C",
                "That's not good enough. I want to speak to a supervisor, "
                "and I want to file a formal complaint.",
            ),
            ("A", "I'll transfer you now."),
        ),
    ),
    Call(
        name="11_phone_bill_abusive",
        call_id="DEMO-1011",
        industry="telecom/mobile",
        outcome="unresolved",
        category="billing",
        notes="Disputed roaming charge; customer insults the agent ('you are useless, you "
        "idiot'): abusive toward staff, for supervisor review, not recovery outreach "
        "(PLAYBOOK rule 10).",
        customer=_customer(11, "Tina Ward", 120.0),
        agent_id="A-211",
        started_at="2026-11-20T15:45:00-05:00",
        queue="billing",
        turns=(
            ("A", HELLO.format("Skyway Mobile", "Ryan")),
            ("C", "My bill has a forty dollar roaming charge, and I never left the country."),
            ("A", "I'm sorry for the confusion. The charge came from a cruise ship network."),
            ("C", "I was never on a cruise ship! You are useless, you idiot."),
            ("A", "Please don't call me names. I'm trying to help."),
            ("C", "Forget it."),
        ),
    ),
)


class ToolError(RuntimeError):
    """espeak-ng or sox is missing or failed."""


def _run(args: list[str], stdin: bytes | None = None) -> None:
    try:
        done = subprocess.run(args, input=stdin, capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise ToolError(f"{args[0]} not found on PATH") from exc
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip()
        raise ToolError(f"{args[0]} failed ({done.returncode}): {err}")


def check_tools() -> None:
    """Fail early, with the fix, when a needed program is missing."""
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        raise ToolError(
            f"missing {' and '.join(missing)}: install it (Debian/Ubuntu: "
            "sudo apt-get install espeak-ng sox libsox-fmt-all) and run again"
        )
    formats = subprocess.run(["sox", "-h"], capture_output=True, text=True, check=False).stdout
    if not re.search(r"AUDIO FILE FORMATS:.*\bflac\b", formats):
        raise ToolError("this sox cannot write FLAC: install a sox built with libFLAC")


def render_turn(text: str, speaker: str, work: Path) -> array.array:
    """Speak `text` in the speaker's voice; 16 kHz mono samples, edge silence trimmed."""
    voice, wpm, gap = AGENT_VOICE if speaker == "A" else CUSTOMER_VOICE
    raw, clean = work / "espeak.wav", work / "turn.wav"
    _run(
        ["espeak-ng", "-v", voice, "-s", str(wpm), "-g", str(gap), "-w", str(raw), "--stdin"],
        stdin=text.encode("utf-8"),
    )
    # -R: repeatable (fixed seeds); -D: no dither, so the bytes never vary between runs.
    # silence/reverse twice trims the synthesiser's lead-in and tail so turn times are true.
    _run(
        ["sox", "-R", "-D", str(raw), "-b", "16", "-c", "1", str(clean),
         "rate", "-v", str(RATE),
         "silence", "1", "0.01", "0.1%", "reverse", "silence", "1", "0.01", "0.1%", "reverse"]
    )  # fmt: skip
    with wave.open(str(clean), "rb") as wav:
        if (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) != (1, 2, RATE):
            raise ToolError(f"sox wrote an unexpected format for {clean}")
        samples = array.array("h", wav.readframes(wav.getnframes()))
    if sys.byteorder == "big":
        samples.byteswap()
    if not samples:
        raise ToolError(f"espeak-ng produced no speech for {text!r}")
    return requantize(samples)


def requantize(samples: array.array) -> array.array:
    """Round every sample to KEEP_BITS significant bits (deterministic, no dither)."""
    shift = 16 - KEEP_BITS
    if shift <= 0:
        return samples
    half, top = 1 << (shift - 1), (32767 >> shift) << shift
    return array.array("h", (min(top, ((v + half) >> shift) << shift) for v in samples))


def build_call(call: Call, work: Path) -> tuple[bytes, list[dict[str, object]], float]:
    """The call's stereo WAV bytes, its turns with true times, and its duration."""
    rng = random.Random(call.name)  # str seeds are hashed with sha512: stable across runs
    rendered = [(spk, text, render_turn(text, spk, work)) for spk, text in call.turns]
    gaps = [round(rng.uniform(*GAP_RANGE_S), 2) for _ in rendered[1:]]
    lead, tail = round(LEAD_S * RATE), round(TAIL_S * RATE)
    total = lead + sum(len(s) for *_, s in rendered) + sum(round(g * RATE) for g in gaps) + tail
    left, right = array.array("h", bytes(2 * total)), array.array("h", bytes(2 * total))
    turns: list[dict[str, object]] = []
    pos = lead
    for i, (spk, text, samples) in enumerate(rendered):
        if i:
            pos += round(gaps[i - 1] * RATE)
        channel = left if spk == "A" else right
        channel[pos : pos + len(samples)] = samples
        turns.append(
            {
                "speaker": "agent" if spk == "A" else "customer",
                "text": text,
                "start_s": round(pos / RATE, 3),
                "end_s": round((pos + len(samples)) / RATE, 3),
            }
        )
        pos += len(samples)
    stereo = array.array("h", bytes(4 * total))
    stereo[0::2], stereo[1::2] = left, right
    if sys.byteorder == "big":
        stereo.byteswap()
    buf = io.BytesIO()
    with wave.open(buf, "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(stereo.tobytes())
    return buf.getvalue(), turns, total / RATE


def encode_flac(wav_bytes: bytes, work: Path) -> bytes:
    src, out = work / "call.wav", work / "call.flac"
    src.write_bytes(wav_bytes)
    _run(["sox", "-R", "-D", str(src), "-C", "8", str(out)])
    return out.read_bytes()


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write only when the bytes differ, so a re-run leaves the files (and mtimes) alone."""
    if path.is_file() and path.read_bytes() == data:
        return False
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return True


def validate(calls: tuple[Call, ...]) -> None:
    names = [c.name for c in calls]
    if len(set(names)) != len(names) or len({c.call_id for c in calls}) != len(calls):
        raise ValueError("call names and call ids must be unique")
    for c in calls:
        if c.outcome not in OUTCOMES or c.category not in CATEGORIES:
            raise ValueError(f"{c.name}: bad outcome or category")
        speakers = [spk for spk, _ in c.turns]
        if speakers[0] != "A" or any(a == b for a, b in pairwise(speakers)):
            raise ValueError(f"{c.name}: turns must start with the agent and alternate")


def manifest_csv(calls: tuple[Call, ...]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(MANIFEST_COLUMNS)
    for c in calls:
        cust = c.customer
        writer.writerow(
            [f"{c.name}.flac", c.call_id, cust.customer_id, c.agent_id, c.started_at,
             cust.name, cust.phone, cust.email, c.queue, f"{cust.value:.1f}"]
        )  # fmt: skip
    return buf.getvalue().encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    out: Path = args.out
    try:
        check_tools()
    except ToolError as exc:
        print(f"make_demo_calls: {exc}", file=sys.stderr)
        return 2
    validate(CALLS)
    out.mkdir(parents=True, exist_ok=True)
    inbox = out / "inbox"  # only what the pipeline should read: audio and the manifest
    inbox.mkdir(exist_ok=True)
    scripts: list[dict[str, object]] = []
    total_s, changed = 0.0, 0
    with tempfile.TemporaryDirectory(prefix="aftercall-demo-") as tmp:
        work = Path(tmp)
        for call in CALLS:
            try:
                wav_bytes, turns, duration = build_call(call, work)
                flac = encode_flac(wav_bytes, work)
            except ToolError as exc:
                print(f"make_demo_calls: {call.name}: {exc}", file=sys.stderr)
                return 1
            if not MIN_CALL_S <= duration <= MAX_CALL_S:
                print(
                    f"make_demo_calls: warning: {call.name} is {duration:.1f} s "
                    f"(want {MIN_CALL_S:.0f}-{MAX_CALL_S:.0f} s)",
                    file=sys.stderr,
                )
            total_s += duration
            changed += write_if_changed(inbox / f"{call.name}.flac", flac)
            scripts.append(
                {
                    "file": f"{call.name}.flac",
                    "call_id": call.call_id,
                    "industry": call.industry,
                    "expected_outcome": call.outcome,
                    "expected_category": call.category,
                    "notes": call.notes,
                    "turns": turns,
                }
            )
            print(f"{call.name}.flac  {duration:5.1f} s  {len(flac) / 1024:6.1f} KiB")
    wanted = {f"{c.name}.flac" for c in CALLS}
    for stale in sorted(inbox.iterdir()):
        if OWN_FILE.match(stale.name) and stale.name not in wanted:
            stale.unlink()
            print(f"removed stale {stale.name}")
    changed += write_if_changed(inbox / "manifest.csv", manifest_csv(CALLS))
    text = json.dumps(scripts, indent=2, ensure_ascii=False) + "\n"
    changed += write_if_changed(out / "scripts.json", text.encode("utf-8"))
    print(f"{len(CALLS)} calls, {total_s:.1f} s of audio; {changed} file(s) changed in {out}")
    if total_s > MAX_TOTAL_S:
        print(f"make_demo_calls: warning: more than {MAX_TOTAL_S:.0f} s in all", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
