"""The baseline: a bare Flask + Jinja page, served the same way as tracker."""
from flask import Flask, render_template_string

PAGE = """<!doctype html><html lang="sv"><head><title>{{ title }}</title></head>
<body><h1>{{ title }}</h1><ul>{% for item in items %}<li>{{ item }}</li>{% endfor %}</ul></body></html>"""

app = Flask(__name__)


@app.get("/")
def index():
    return render_template_string(PAGE, title="Baslinje", items=[f"Rad {i}" for i in range(20)])
