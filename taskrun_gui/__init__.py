"""TaskRun: a desktop task manager that keeps the whole run history of your scripts."""
