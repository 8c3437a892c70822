"""training domain: training sessions and attendance (pass/fail) feeding the plan indicators."""
