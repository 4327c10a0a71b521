"""Close-the-loop cases: opening them from responses, routing to teams, the lifecycle, escalation,
the follow-up question and the measures (time to first response, to resolution, within SLA,
recovered)."""
