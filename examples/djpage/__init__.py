"""A one-page Django project: a view that renders a template with a loop,
the Django app of the side-by-side benchmark (bench/matrix_test.go). Serve
it as djpage.wsgi:application with examples/ on the Python path."""
