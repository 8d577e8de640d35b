"""The application (twin_nn): the command line, recipes, CSV files, pictures, the trace and the tour."""
