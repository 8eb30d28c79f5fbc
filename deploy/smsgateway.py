"""A stand-in SMS gateway for `make demo` and the tests: a real HTTP server on this machine
speaking the part of SMS.ru's API the product uses (POST /sms/send, /my/balance), so the
product's own adapter (sms.gateways.SmsRu) talks to it exactly as to sms.ru. Each message it
takes is written as a text file into a folder (var/sms/ for the demo), as make demo writes
e-mail into var/mail/.

    python deploy/smsgateway.py --port 9401 --folder var/sms --api-id demo
"""

import argparse
import itertools
import json
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

# SMS.ru's answer codes (https://sms.ru/api/send)
OK, WRONG_KEY, WRONG_NUMBER, NO_TEXT, UNREACHABLE = 100, 200, 202, 203, 207
TEXTS = {
    WRONG_KEY: "Неправильный api_id",
    WRONG_NUMBER: "Неправильно указан номер телефона получателя",
    NO_TEXT: "Нет текста сообщения",
    UNREACHABLE: "На этот номер нельзя отправлять сообщения",
}


class Gateway(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port, folder, api_id, unreachable=()):
        super().__init__(("127.0.0.1", port), Handler)
        self.folder, self.api_id, self.unreachable = Path(folder), api_id, set(unreachable)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.ids = itertools.count(1)
        self.lock = threading.Lock()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_port}"

    def take(self, form):
        if form.get("api_id") != self.api_id:
            return {"status": "ERROR", "status_code": WRONG_KEY, "status_text": TEXTS[WRONG_KEY]}
        text = form.get("msg", "")
        if not text:
            return {"status": "ERROR", "status_code": NO_TEXT, "status_text": TEXTS[NO_TEXT]}
        results = {}
        for number in filter(None, form.get("to", "").split(",")):
            if not (number.isdigit() and len(number) == 11 and number.startswith("7")):
                code = WRONG_NUMBER
            elif number in self.unreachable:
                code = UNREACHABLE
            else:
                code = OK
            if code != OK:
                results[number] = {"status": "ERROR", "status_code": code, "status_text": TEXTS[code]}
                continue
            with self.lock:
                sms_id = f"{next(self.ids):06d}-{datetime.now():%H%M%S}"
                name = f"{datetime.now():%Y%m%d-%H%M%S-%f}-{number}.txt"  # in the order taken
                (self.folder / name).write_text(f"Кому: +{number}\nОтправитель: {form.get('from', '')}\n\n{text}\n")
            results[number] = {"status": "OK", "status_code": OK, "sms_id": sms_id}
        return {"status": "OK", "status_code": OK, "sms": results, "balance": 1000.0}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        form.update({k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()})
        path = urlsplit(self.path).path
        if path == "/sms/send":
            self.answer(self.server.take(form))
        elif path == "/my/balance":
            self.answer({"status": "OK", "status_code": OK, "balance": 1000.0})
        else:
            self.send_error(404)

    do_GET = do_POST

    def answer(self, body):
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9401)
    parser.add_argument("--folder", default="var/sms")
    parser.add_argument("--api-id", default="demo")
    options = parser.parse_args()
    Gateway(options.port, options.folder, options.api_id).serve_forever()
