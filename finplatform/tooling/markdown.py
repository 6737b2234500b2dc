"""What the generated markdown pages share."""


def cell(text: str) -> str:
    """Text that stays in its table cell: a pipe would end the cell."""
    return text.replace("|", "\\|")
