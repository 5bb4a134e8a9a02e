"""Path converters."""


class IdConverter:
    """A primary key: digits for 1 to 2**63 - 1, the range of a bigint column.

    Anything else does not match the URL (404) before a query is made, so no
    database is asked for a number it cannot store.
    """

    regex = "[0-9]+"
    MAX = 2**63 - 1

    def to_python(self, value):
        # 19 digits hold the largest bigint; longer strings are not even
        # parsed, so a megabyte of digits costs nothing.
        if len(value) > len(str(self.MAX)):
            raise ValueError("id out of range")
        number = int(value)
        if not 1 <= number <= self.MAX:
            raise ValueError("id out of range")
        return number

    def to_url(self, value):
        # Any integer reverses, so tests can build links to ids that do not
        # match; to_python is the gate.
        return str(int(value))
