"""`qianshao run`: migrate, load the demo on an empty database, start web server and worker."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from qianshao import demo
from qianshao.grid.models import Cell


class Command(BaseCommand):
    help = "Start the whole platform: migrations, demo county if empty, gunicorn and the worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("QIANSHAO_HOST", "127.0.0.1"))
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("QIANSHAO_PORT", "8000"))
        )
        parser.add_argument(
            "--web-workers", type=int, default=int(os.environ.get("QIANSHAO_WEB_WORKERS", "2"))
        )
        parser.add_argument(
            "--no-demo",
            action="store_true",
            help="do not load the demo county into an empty database",
        )

    def handle(self, *args, host, port, web_workers, no_demo, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        loaded_demo = False
        if not no_demo and not Cell.objects.exists():
            self.stdout.write("empty database: creating the demo county 凌云县 …")
            demo.build()
            loaded_demo = True
        children = self._start(host, port, web_workers)
        self._banner(host, port, loaded_demo or not no_demo)
        sys.exit(self._supervise(children))

    def _start(self, host, port, workers):
        python = sys.executable
        web = [
            python,
            "-m",
            "gunicorn",
            "qianshao.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--threads",
            "4",
            "--worker-class",
            "gthread",
            "--access-logfile",
            "-",
            "--timeout",
            "60",
        ]
        worker = [python, "-m", "qianshao", "run_huey"]
        return {"web": subprocess.Popen(web), "worker": subprocess.Popen(worker)}

    def _banner(self, host, port, demo_logins):
        shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
        lines = [
            "",
            f"前哨 Qianshao is running at http://{shown}:{port}/",
            f"  data directory: {settings.DATA_DIR}",
            f"  database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}",
            f"  queue: {settings.HUEY['huey_class']}",
        ]
        if demo_logins and Cell.objects.filter(code=demo.COUNTY).exists():
            lines.append(f"  demo logins (password {demo.PASSWORD}):")
            lines += [f"    {u:<11} {what}" for u, what in demo.DEMO_USERS.items()]
        lines.append("  stop with Ctrl-C")
        self.stdout.write("\n".join(lines) + "\n")
        self.stdout.flush()

    def _supervise(self, children) -> int:
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        code = 0
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    self.stderr.write(f"{name} exited with {child.returncode}; stopping")
                    code, stopping = child.returncode or 1, True
            time.sleep(0.5)
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children.values():
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        return code
