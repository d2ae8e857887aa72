"""Intake: residents' trygghetsförslag (and, later, dialogue surveys)."""
