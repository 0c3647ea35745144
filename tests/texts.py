"""Texts more than one test file reads."""

# Three lines of article prose (no furniture): what a page's body looks like above its tail.
PROSE = (
    "The central bank held its policy rate at 6.5 percent on Thursday, citing sticky food "
    "inflation and a weaker currency.\n"
    "Governor Jameel Ahmad told reporters that the committee would watch the oil market closely "
    "before any cut.\n"
    "Analysts had expected a pause after three straight increases earlier in the year.\n"
)
