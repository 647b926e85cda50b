from tipline import create_app

app = create_app()
