"""The pipeline stages: plan -> route -> realize -> validate -> decide -> assemble."""
