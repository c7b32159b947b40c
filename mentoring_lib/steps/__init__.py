"""One module per pipeline step (stage): registration, grouping, attendance, feedback, evaluation, certificates, report."""
