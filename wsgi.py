"""What gunicorn and `flask --app wsgi` load."""

from meetup import create_app

app = create_app()
