"""Seed 001's Prompter metrics module as the seed writes it: prometheus_client, served by generate_latest
(the 0.0.4 text format, with its <name>_created gauges) on /metrics. POST /probe?ok=0|1 counts a provider
probe. Usage: python3 seed001_app.py SERVICE ENV [PORT] (prints "listening PORT" once it serves; no PORT: a free one)."""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

service, env = sys.argv[1], sys.argv[2]
port = int(sys.argv[3]) if len(sys.argv) > 3 else 0
registry = CollectorRegistry()
requests = Counter('starlette_requests', 'Total HTTP requests', ['service', 'env', 'method', 'route', 'status'], registry=registry)
latency = Histogram('starlette_requests_processing_seconds', 'Request latency', ['service', 'env', 'method', 'route'], buckets=(0.05, 0.1, 0.5, 1.0), registry=registry)
attempts = Counter('prompter_probe_attempts', 'Probe attempts', ['service', 'env', 'provider', 'model'], registry=registry)
failures = Counter('prompter_probe_failures', 'Probe failures', ['service', 'env', 'provider', 'model'], registry=registry)
unique = Counter('prompter_db_unique_violation', 'Unique violations', ['service', 'env', 'table'], registry=registry)

requests.labels(service, env, 'POST', '/api/prompt-templates', '201').inc(5)
latency.labels(service, env, 'POST', '/api/prompt-templates').observe(0.07)
unique.labels(service, env, 'prompt_templates').inc()
failures.labels(service, env, 'openai', 'gpt-4o')


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != '/metrics':
            self.send_response(404)
            self.end_headers()
            return
        body = generate_latest(registry)
        self.send_response(200)
        self.send_header('Content-Type', CONTENT_TYPE_LATEST)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        url = urlparse(self.path)
        if url.path != '/probe':
            self.send_response(404)
            self.end_headers()
            return
        attempts.labels(service, env, 'openai', 'gpt-4o').inc()
        if parse_qs(url.query).get('ok') == ['0']:
            failures.labels(service, env, 'openai', 'gpt-4o').inc()
        self.send_response(204)
        self.end_headers()

    def log_message(self, format, *args):
        pass


server = ThreadingHTTPServer(('127.0.0.1', port), Handler)
print(f'listening {server.server_address[1]}', flush=True)
server.serve_forever()
