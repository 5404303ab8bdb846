"""The bare baselines bench/web.py compares the application with, in the same run:
GET  /       a bare Flask "hello"
GET  /form   a minimal Flask + WTForms page rendering a form
POST /form   the same form validated, one row inserted with Flask-SQLAlchemy (SQLite, WAL)
"""

from __future__ import annotations

import os

from flask import Flask, redirect, render_template_string, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import EmailField, Form, StringField
from wtforms.validators import DataRequired, Email

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get(
    "BASELINE_DATABASE_URL", "sqlite:////tmp/meetup-baseline.sqlite3"
)
db = SQLAlchemy(app)


@event.listens_for(Engine, "connect")
def _wal(dbapi_connection, _record) -> None:
    if not type(dbapi_connection).__module__.startswith("sqlite3"):
        return  # PostgreSQL (BENCH_POSTGRES_URL)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class Person(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    email: Mapped[str]


class PersonForm(Form):
    name = StringField("Name", validators=[DataRequired()])
    email = EmailField("Email", validators=[DataRequired(), Email()])


PAGE = """<!doctype html><title>Form</title><form method=post>
{% for f in form %}{{ f.label }} {{ f() }} {{ f.errors|join(' ') }}{% endfor %}<button>Send</button></form>"""

with app.app_context():
    db.create_all()


@app.get("/")
def hello() -> str:
    return "hello"


@app.route("/form", methods=["GET", "POST"])
def form():
    person_form = PersonForm(request.form)
    if request.method == "POST" and person_form.validate():
        db.session.add(Person(name=person_form.name.data, email=person_form.email.data))
        db.session.commit()
        return redirect("/form")
    return render_template_string(PAGE, form=person_form)
