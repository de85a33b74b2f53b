"""A local HTTP server that answers the few Stripe API endpoints Rideau uses, shaped like
Stripe's JSON, and records every request. Plus Stripe's webhook signing scheme."""

import hashlib
import hmac
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


class FakeStripe:
    def __init__(self):
        self.requests: list[dict] = []
        self.sessions: dict[str, dict] = {}
        self.refunds: list[dict] = []
        self.intents: dict[str, dict] = {}  # pi id -> {"amount": int, "refunded": int}
        self.refuse_refunds = ""
        self._ids = itertools.count(1)
        self._idempotent: dict[str, tuple[int, dict]] = {}
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    # --- what the test drives --------------------------------------------------------

    def complete(self, session_id: str) -> dict:
        """The buyer paid on the Checkout page: the session is paid, with a PaymentIntent."""
        with self._lock:
            session = self.sessions[session_id]
            pi = f"pi_test_{next(self._ids)}"
            self.intents[pi] = {"amount": session["amount_total"], "refunded": 0}
            session.update(payment_status="paid", status="complete", payment_intent=pi)
            return json.loads(json.dumps(session))

    def posts(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["method"] == "POST" and r["path"] == path]

    # --- the API ------------------------------------------------------------------------

    def _create_session(self, form: dict) -> tuple[int, dict]:
        n = next(self._ids)
        session = {
            "id": f"cs_test_{n}",
            "object": "checkout.session",
            "url": f"https://checkout.stripe.test/c/pay/cs_test_{n}",
            "mode": form["mode"],
            "amount_total": int(form["line_items[0][price_data][unit_amount]"])
            * int(form["line_items[0][quantity]"]),
            "currency": form["line_items[0][price_data][currency]"],
            "customer_email": form.get("customer_email"),
            "client_reference_id": form.get("client_reference_id"),
            "metadata": _sub(form, "metadata"),
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": form["success_url"],
            "cancel_url": form["cancel_url"],
            "expires_at": int(form["expires_at"]),
        }
        self.sessions[session["id"]] = session
        return 200, session

    def _create_refund(self, form: dict) -> tuple[int, dict]:
        if self.refuse_refunds:
            return 402, _error("card_error", self.refuse_refunds)
        intent = self.intents.get(form.get("payment_intent", ""))
        if intent is None:
            return 404, _error("invalid_request_error", "No such payment_intent")
        amount = int(form.get("amount", intent["amount"] - intent["refunded"]))
        if amount > intent["amount"] - intent["refunded"]:
            return 400, _error(
                "invalid_request_error", "Refund amount is greater than unrefunded amount"
            )
        intent["refunded"] += amount
        refund = {
            "id": f"re_test_{next(self._ids)}",
            "object": "refund",
            "amount": amount,
            "currency": "eur",
            "payment_intent": form["payment_intent"],
            "metadata": _sub(form, "metadata"),
            "status": "succeeded",
        }
        self.refunds.append(refund)
        return 200, refund

    def _answer(self, method: str, path: str, form: dict, key: str) -> tuple[int, dict]:
        with self._lock:
            if method == "POST" and key and key in self._idempotent:
                return self._idempotent[key]
            if method == "POST" and path == "/v1/checkout/sessions":
                answer = self._create_session(form)
            elif method == "GET" and path.startswith("/v1/checkout/sessions/"):
                session = self.sessions.get(path.rsplit("/", 1)[1])
                answer = (
                    (200, session)
                    if session
                    else (404, _error("invalid_request_error", "No such checkout.session"))
                )
            elif method == "POST" and path == "/v1/refunds":
                answer = self._create_refund(form)
            else:
                answer = (
                    404,
                    _error("invalid_request_error", f"Unrecognized request URL ({method}: {path})"),
                )
            if method == "POST" and key:
                self._idempotent[key] = answer
            return answer

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                url = urlsplit(self.path)
                form = dict(parse_qsl(body or url.query, keep_blank_values=True))
                key = self.headers.get("Idempotency-Key", "")
                fake.requests.append(
                    {
                        "method": self.command,
                        "path": url.path,
                        "form": form,
                        "authorization": self.headers.get("Authorization", ""),
                        "idempotency_key": key,
                    }
                )
                status, data = fake._answer(self.command, url.path, form, key)
                payload = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Request-Id", f"req_{len(fake.requests)}")
                self.end_headers()
                self.wfile.write(payload)

            do_GET = _serve
            do_POST = _serve

            def log_message(self, *args):
                pass

        return Handler


def _sub(form: dict, name: str) -> dict:
    prefix = f"{name}["
    return {
        k[len(prefix) : -1]: v
        for k, v in form.items()
        if k.startswith(prefix) and k.count("[") == 1
    }


def _error(kind: str, message: str) -> dict:
    return {"error": {"type": kind, "message": message}}


def event(kind: str, obj: dict) -> bytes:
    return json.dumps(
        {
            "id": f"evt_{obj['id']}_{kind}",
            "object": "event",
            "api_version": "2024-06-20",
            "created": int(time.time()),
            "type": kind,
            "data": {"object": obj},
        }
    ).encode()


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """Stripe's scheme: `t=<unix time>,v1=<hex HMAC-SHA256 of "t.payload">`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
