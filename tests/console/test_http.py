"""Every console route over HTTP (Starlette's test client on the real app, real SQLite, the
real index): not logged in -> the login page; the wrong role -> 403; bad input -> a message;
and the desk's rules: CSRF, lockout, a reply sent once, two staff on one ticket, /forget."""

from __future__ import annotations

import re

import pytest

from bot.console.web import Console
from console.conftest import ADMIN, PASSWORD, STAFF, UNANSWERED, csrf_of, login, user_says

GET_ROUTES = ["/", "/queue", "/tickets/1", "/faq", "/faq/1", "/faq/export.csv", "/documents",
              "/documents/jobs/x", "/figures", "/audit"]
POST_ROUTES = ["/logout", "/lang", "/tickets/1/claim", "/tickets/1/reply", "/tickets/1/note",
               "/tickets/1/close", "/tickets/1/faq", "/faq/import", "/faq/1/edit",
               "/faq/1/approve", "/faq/1/retire", "/documents/check", "/documents/publish"]
ADMIN_ONLY = [("GET", "/audit"), ("POST", "/faq/1/approve"), ("POST", "/faq/1/retire"),
              ("POST", "/faq/import"), ("POST", "/documents/publish")]


@pytest.mark.parametrize("path", GET_ROUTES)
def test_a_page_without_login_goes_to_the_login_page(client_for, path: str) -> None:
    response = client_for(None).get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("path", POST_ROUTES)
def test_a_form_without_login_goes_to_the_login_page_and_does_nothing(
    client_for, console: Console, path: str
) -> None:
    response = client_for(None).post(path, data={"csrf": "x", "text": "hi"})
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert console.accounts.audit_log() == []


@pytest.mark.parametrize(("method", "path"), ADMIN_ONLY)
def test_staff_cannot_use_admin_routes(client_for, console: Console, method: str, path: str) -> None:
    client = client_for(STAFF)
    csrf = csrf_of(client.get("/queue").text)
    response = client.request(method, path, data={"csrf": csrf} if method == "POST" else None)
    assert response.status_code == 403
    assert "需要管理员" in response.text


@pytest.mark.parametrize("path", POST_ROUTES[2:])
def test_a_form_without_its_csrf_token_is_refused(client_for, console: Console, ticket_id: int,
                                                   path: str) -> None:
    client = client_for(ADMIN)
    before = console.desk.store.ticket(ticket_id)
    response = client.post(path.replace("/1/", f"/{ticket_id}/"), data={"text": "答复"})
    assert response.status_code == 403
    assert "表单已过期或来源不明" in response.text
    assert console.desk.store.ticket(ticket_id) == before


def test_every_page_renders_for_an_admin(client_for, ticket_id: int) -> None:
    client = client_for(ADMIN)
    for path in ("/queue", f"/tickets/{ticket_id}", "/faq", "/documents", "/figures", "/audit"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
        # nothing loaded from elsewhere (a CSRF token may well contain the letters "cdn")
        assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", response.text), path


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/tickets/999", "没有找到"), ("/tickets/abc", "编号应为数字"), ("/faq/999", "没有找到"),
     ("/figures?since=yesterday", "YYYY-MM-DD"), ("/queue?status=lost", "没有找到"),
     ("/documents/jobs/nope", "没有找到")],
)
def test_bad_input_in_a_url_gets_a_message(client_for, path: str, expected: str) -> None:
    response = client_for(STAFF).get(path)
    assert response.status_code in (400, 404)
    assert expected in response.text


def test_bad_form_input_gets_a_message(client_for, console: Console, ticket_id: int) -> None:
    client = client_for(ADMIN)
    csrf = csrf_of(client.get(f"/tickets/{ticket_id}").text)
    empty = client.post(f"/tickets/{ticket_id}/reply", data={"csrf": csrf, "text": "  "})
    assert empty.status_code == 400 and "内容不能为空" in empty.text
    long = client.post(f"/tickets/{ticket_id}/note", data={"csrf": csrf, "text": "长" * 5000})
    assert long.status_code == 400 and "内容太长" in long.text
    nofile = client.post("/documents/check", data={"csrf": csrf})
    assert nofile.status_code == 400 and "请选择一个文件" in nofile.text
    exe = client.post("/documents/check", data={"csrf": csrf},
                      files={"file": ("tool.exe", b"MZ\x90\x00", "application/octet-stream")})
    assert exe.status_code == 400 and "不支持这种文件" in exe.text
    broken = client.post("/documents/check", data={"csrf": csrf},
                         files={"file": ("policy.docx", b"not a zip", "application/octet-stream")})
    assert broken.status_code == 400 and "无法读取这个文件" in broken.text
    csv = client.post("/faq/import", data={"csrf": csrf},
                      files={"file": ("a.csv", b"name,text\n1,2\n", "text/csv")})
    assert csv.status_code == 400 and "CSV 文件有误" in csv.text
    stale = client.post("/documents/publish", data={"csrf": csrf, "token": "../../etc"})
    assert stale.status_code == 404 and "上传已过期" in stale.text
    assert console.desk.store.ticket(ticket_id).status == "waiting"


def test_login_locks_after_repeated_failures_and_logout_ends_the_session(
    client_for, console: Console
) -> None:
    client = client_for(None)
    for _ in range(5):
        failed = login(client, STAFF, "wrong password!!")
        assert failed.headers["location"].startswith("/login?failed=1")
    assert console.accounts.locked(STAFF, console.now())
    assert login(client, STAFF).headers["location"].startswith("/login?failed=1")
    assert ("locked" in [r.action for r in console.accounts.audit_log()])
    admin = client_for(ADMIN)
    cookie = admin.cookies.get("pb_console")
    assert cookie and admin.get("/queue").status_code == 200
    admin.post("/logout", data={"csrf": csrf_of(admin.get("/queue").text)})
    assert admin.get("/queue").status_code == 303


def test_the_session_cookie_is_httponly_samesite_and_secure_behind_https(
    services, tmp_path
) -> None:
    from starlette.testclient import TestClient

    from bot.config import Settings
    from bot.console.app import create_app
    from console.conftest import make_console

    made = make_console(services, tmp_path, Settings(_env_file=None, data_dir=tmp_path,
                                                      console_https=True))
    client = TestClient(create_app(made), base_url="https://testserver", follow_redirects=False)
    response = login(client, ADMIN)
    cookie = next(h for k, h in response.headers.multi_items() if k == "set-cookie"
                  and h.startswith("pb_console="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" in cookie
    client.close()
    made.accounts.close()


def test_login_refuses_a_form_without_its_token_and_an_outside_next(client_for) -> None:
    client = client_for(None)
    refused = client.post("/login", data={"name": ADMIN, "password": PASSWORD})
    assert refused.status_code == 403
    page = client.get("/login?next=//evil.example/x")
    response = client.post("/login", data={"csrf": csrf_of(page.text), "name": ADMIN,
                                           "password": PASSWORD, "next": "//evil.example/x"})
    assert response.headers["location"] == "/queue"


def test_a_reply_is_sent_once_and_a_second_member_sees_the_first(
    client_for, console: Console, ticket_id: int
) -> None:
    wang, lin = client_for(STAFF), client_for(ADMIN)
    page_wang = wang.get(f"/tickets/{ticket_id}").text
    page_lin = lin.get(f"/tickets/{ticket_id}").text
    wang.post(f"/tickets/{ticket_id}/claim", data={"csrf": csrf_of(page_wang)})
    assert f"{STAFF} 已认领" in lin.get(f"/tickets/{ticket_id}").text
    claim = lin.post(f"/tickets/{ticket_id}/claim", data={"csrf": csrf_of(page_lin)})
    assert console.desk.store.ticket(ticket_id).staff == STAFF
    assert f"{STAFF} 已认领" in lin.get(claim.headers["location"]).text

    def form(html: str, text: str) -> dict[str, str]:
        fields = dict(re.findall(r'name="(nonce|seen)" value="([^"]*)"', html))
        return {"csrf": csrf_of(html), "text": text, **fields}

    sent = wang.post(f"/tickets/{ticket_id}/reply", data=form(page_wang, "需要营业执照复印件。"))
    assert sent.status_code == 303
    again = wang.post(f"/tickets/{ticket_id}/reply", data=form(page_wang, "需要营业执照复印件。"))
    late = lin.post(f"/tickets/{ticket_id}/reply", data=form(page_lin, "另一份答复"))
    assert "已经答复了这个工单" in lin.get(late.headers["location"]).text
    assert "没有再发" in wang.get(again.headers["location"]).text or again.status_code == 303
    waiting = console.desk.store.undelivered()
    assert [t.answer for t in waiting] == ["需要营业执照复印件。"]
    # the user's channel (JSON lines, no outbox here) brings it with the next message
    out = user_says(console, "u-1", "谢谢")
    assert "需要营业执照复印件。" in out["replies"][0]["text"]
    assert console.desk.store.undelivered() == []
    actions = [r.action for r in console.accounts.audit_log()]
    assert actions.count("ticket.reply") == 1 and "ticket.claim" in actions


def test_notes_close_and_forget(client_for, console: Console, ticket_id: int) -> None:
    client = client_for(STAFF)
    csrf = csrf_of(client.get(f"/tickets/{ticket_id}").text)
    client.post(f"/tickets/{ticket_id}/note", data={"csrf": csrf, "text": "先问一下区商务委"})
    page = client.get(f"/tickets/{ticket_id}").text
    assert "先问一下区商务委" in page and UNANSWERED in page
    client.post(f"/tickets/{ticket_id}/close", data={"csrf": csrf})
    assert console.desk.store.ticket(ticket_id).status == "resolved"
    user_says(console, "u-1", "/forget")
    assert client.get(f"/tickets/{ticket_id}").status_code == 404
    assert UNANSWERED not in client.get("/queue?status=all").text
    assert console.accounts.notes(ticket_id) == []


def test_personal_numbers_are_masked_on_the_ticket(client_for, console: Console) -> None:
    user_says(console, "u-9", "我的电话13812345678，申请直播补贴需要准备哪些材料？转人工")
    ticket = console.desk.store.tickets("waiting")[0]
    page = client_for(STAFF).get(f"/tickets/{ticket.id}").text
    assert "13812345678" not in page and "138" in page


def test_queue_filters_by_state_channel_and_document(client_for, console: Console,
                                                     ticket_id: int) -> None:
    client = client_for(STAFF)
    assert f"/tickets/{ticket_id}" in client.get("/queue?status=waiting&channel=jsonl").text
    assert f"/tickets/{ticket_id}" not in client.get("/queue?channel=telegram").text
    assert f"/tickets/{ticket_id}" not in client.get("/queue?status=resolved").text
    doc = console.desk.store.ticket(ticket_id).clauses[0]["doc"]
    assert f"/tickets/{ticket_id}" in client.get(f"/queue?doc={doc}&order=newest").text
    assert f"/tickets/{ticket_id}" not in client.get("/queue?doc=no-such-doc").text


def test_the_interface_speaks_english_after_the_switch(client_for) -> None:
    client = client_for(STAFF)
    csrf = csrf_of(client.get("/queue").text)
    client.post("/lang", data={"csrf": csrf, "back": "/faq"})
    page = client.get("/faq").text
    assert "Curated answers" in page and "Log out" in page


def test_a_reply_to_a_telegram_user_goes_into_the_telegram_outbox(
    client_for, console: Console
) -> None:
    from conftest import TODAY

    from bot.conversation import Conversation
    from bot.domain import Incoming

    front = Conversation(console.services, console.services.store, console.desk)
    for text in (UNANSWERED, "转人工"):
        front.turn(Incoming(chat_id="424242", user_id="424242", text=text), TODAY)
    ticket = console.desk.store.tickets("waiting")[0]
    client = client_for(STAFF)
    html = client.get(f"/tickets/{ticket.id}").text
    assert "Telegram" in html
    fields = dict(re.findall(r'name="(nonce|seen)" value="([^"]*)"', html))
    client.post(f"/tickets/{ticket.id}/reply",
                data={"csrf": csrf_of(html), "text": "请带营业执照原件。", **fields})
    assert console.desk.store.undelivered() == []
    store = console.services.store
    with store.reading() as db:
        rows = db.execute("SELECT chat_id, plain FROM tg_outbox").fetchall()
    assert [r[0] for r in rows] == [424242]
    assert "请带营业执照原件。" in rows[0][1] and "工单" in rows[0][1]


def test_curated_answers_edit_export_and_import(client_for, console: Console) -> None:
    desk = console.desk
    key = next(iter(desk.clauses))
    entry = desk.store.add_faq(["直播补贴去哪里申请？"], "向区商务委申请。", [key], "amy")
    client = client_for(ADMIN)
    csrf = csrf_of(client.get(f"/faq/{entry.id}").text)
    unknown = client.post(f"/faq/{entry.id}/edit", data={
        "csrf": csrf, "questions": "直播补贴去哪里申请？", "answer": "向区商务委申请。",
        "clauses": "no/such/clause"})
    assert unknown.status_code == 400 and "未知的条款编号" in unknown.text
    client.post(f"/faq/{entry.id}/edit", data={
        "csrf": csrf, "questions": "直播补贴去哪里申请？\n直播补贴在哪儿办", "answer": "向区商务委申请，补贴99万元。",
        "clauses": key})
    edited = desk.store.faq(entry.id)
    assert edited.variants == ("直播补贴去哪里申请？", "直播补贴在哪儿办")
    assert "99万元" in edited.unverified_amounts
    exported = client.get("/faq/export.csv")
    assert exported.content.startswith("\ufeff".encode()) and "直播补贴在哪儿办".encode() in exported.content
    changed = exported.content.replace(b"suggested", b"approved")
    done = client.post("/faq/import", data={"csrf": csrf},
                       files={"file": ("faq.csv", changed, "text/csv")})
    assert "待核对 1 条" in client.get(done.headers["location"]).text
    assert desk.store.faq(entry.id).status == "suggested"  # the unchecked amount holds it back
    approve = client.post(f"/faq/{entry.id}/approve", data={"csrf": csrf})
    assert "请先确认金额" in client.get(approve.headers["location"]).text
    client.post(f"/faq/{entry.id}/approve", data={"csrf": csrf, "confirm_amounts": "yes"})
    assert desk.store.faq(entry.id).status == "approved"
    client.post(f"/faq/{entry.id}/retire", data={"csrf": csrf})
    assert desk.store.faq(entry.id).status == "retired"
    assert "faq.approve" in [r.action for r in console.accounts.audit_log()]


def test_an_upload_over_the_limit_is_refused_before_it_is_read(client_for, console: Console) -> None:
    client = client_for(ADMIN)
    csrf = csrf_of(client.get("/documents").text)
    big = b"x" * (console.settings.console_upload_mb * 1024 * 1024 + 70000)
    response = client.post("/documents/check", data={"csrf": csrf},
                           files={"file": ("big.txt", big, "text/plain")})
    assert response.status_code == 413 and "文件太大" in response.text
