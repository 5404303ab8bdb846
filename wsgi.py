"""What gunicorn and `flask --app wsgi` load."""

import os

from meetup import create_app

#: MEETUP_INSTANCE_PATH moves the instance folder (secret key, SQLite file, demo login).
app = create_app(instance_path=os.environ.get("MEETUP_INSTANCE_PATH") or None)
