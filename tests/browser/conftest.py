import os

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to be
# called from a thread with a running loop unless told it is fine (it is: no async code here).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
