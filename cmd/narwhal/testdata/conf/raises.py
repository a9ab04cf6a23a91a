"""TestConfigFileErrorsExit: an exception raised on line 6."""
workers = 2


def fail():
    raise RuntimeError("DATABASE_URL is not set")


fail()
