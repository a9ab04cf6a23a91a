"""TestConfigFileErrorsExit: a syntax error on line 4."""
workers = 2

workers = = 3
