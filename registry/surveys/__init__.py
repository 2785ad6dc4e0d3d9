"""The Request for Information survey: questions, responses, analysis and the reasoned response."""
