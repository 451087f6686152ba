"""The admin page on a real DuckDB file: only admins see or change users, every change needs
the CSRF token, bad input is refused in words, and the last admin cannot lock everyone out."""

from __future__ import annotations

from pathlib import Path

from aftercall.store.db import transaction
from tests.webkit import client, csrf, login


def _user(db: Path, name: str) -> tuple | None:
    with transaction(db) as con:
        return con.execute("SELECT role, disabled FROM users WHERE name = ?", [name]).fetchone()


def test_only_admins_may_see_or_change_users(db: Path) -> None:
    for name in ("rita", "Dana Cole", "max"):
        c = client(db)
        login(c, name)
        token = csrf(c, "/login")
        assert c.get("/admin/users").status_code == 403, name
        for path, data in (
            ("/admin/users/add", {"name": "eve", "role": "admin", "password": "x" * 12}),
            ("/admin/users/role", {"name": name, "role": "admin"}),
            ("/admin/users/disable", {"name": "ada"}),
        ):
            r = c.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
            assert r.status_code == 403, (name, path)
    assert _user(db, "eve") is None and _user(db, "ada") == ("admin", False)
    assert _user(db, "rita") == ("reviewer", False)
    r = client(db).get("/admin/users", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_an_admin_adds_changes_and_disables_users_with_the_csrf_token(db: Path) -> None:
    c = client(db)
    assert login(c, "ada").headers["location"] == "/"
    page = c.get("/admin/users").text
    assert "Dana Cole" in page and "password_hash" not in page and "argon2" not in page
    token = csrf(c, "/admin/users")
    new = {"name": "Lee Park", "role": "outreach", "password": "long enough pw"}
    assert c.post("/admin/users/add", data=new).status_code == 403  # no token
    assert c.post("/admin/users/add", data={**new, "csrf_token": "forged"}).status_code == 403
    assert _user(db, "Lee Park") is None
    r = c.post("/admin/users/add", data={**new, "csrf_token": token})
    assert r.status_code == 200 and "Saved: added Lee Park (outreach)" in r.text
    lee = client(db)
    assert login(lee, "Lee Park", "long enough pw").status_code == 303
    assert lee.get("/cases").status_code == 200
    # refused in words: a taken name, a short password, a hostile name, an unknown role
    for bad, message in (
        ({**new}, "there is already a user"),
        ({**new, "name": "kim", "password": "short"}, "at least 8 characters"),
        ({**new, "name": "<script>x</script>"}, "a user name is 1-64 letters"),
        ({**new, "name": "kim", "role": "root"}, "unknown role"),
    ):
        r = c.post("/admin/users/add", data={**bad, "csrf_token": token})
        assert message in r.text and "<script>x" not in r.text, message
    assert _user(db, "kim") is None
    assert (
        c.post("/admin/users/role", data={"name": "Lee Park", "role": "manager"}).status_code == 403
    )
    r = c.post(
        "/admin/users/role", data={"name": "Lee Park", "role": "manager", "csrf_token": token}
    )
    assert "Lee Park is now manager" in r.text and _user(db, "Lee Park") == ("manager", False)
    assert lee.get("/dashboard").status_code == 200  # the new role counts at once
    r = c.post("/admin/users/disable", data={"name": "Lee Park", "csrf_token": token})
    assert "Lee Park disabled" in r.text and _user(db, "Lee Park") == ("manager", True)
    assert lee.get("/dashboard", follow_redirects=False).status_code == 303  # logged out
    assert login(client(db), "Lee Park", "long enough pw").status_code == 401
    r = c.post(
        "/admin/users/disable",
        data={"name": "Lee Park", "disabled": "false", "csrf_token": token},
    )
    assert "Lee Park enabled" in r.text and _user(db, "Lee Park") == ("manager", False)
    r = c.post("/admin/users/role", data={"name": "nobody", "role": "admin", "csrf_token": token})
    assert "there is no user" in r.text


def test_the_last_admin_cannot_be_demoted_or_disabled(db: Path) -> None:
    c = client(db)
    login(c, "ada")
    token = csrf(c, "/admin/users")
    r = c.post("/admin/users/role", data={"name": "ada", "role": "reviewer", "csrf_token": token})
    assert "ada is the last admin" in r.text
    r = c.post("/admin/users/disable", data={"name": "ada", "csrf_token": token})
    assert "ada is the last admin" in r.text
    assert _user(db, "ada") == ("admin", False)
    c.post("/admin/users/role", data={"name": "max", "role": "admin", "csrf_token": token})
    r = c.post(
        "/admin/users/role",
        data={"name": "ada", "role": "reviewer", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303 and _user(db, "ada") == ("reviewer", False)
    # no longer an admin, at once: the role change ended her session (issue 20 item 9)
    r = c.get("/admin/users", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    login(c, "ada")
    assert c.get("/admin/users").status_code == 403
