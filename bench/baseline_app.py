"""The bare Flask baseline that bench/web.py compares the application with."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"
