"""Shared rules of disclosure and testing (a module of its own so report notebooks import nothing heavy)."""

MIN_CELL = 5  # figures from fewer respondents are suppressed
MIN_N_TEST = 30  # units with fewer valid responses are described, not tested
DISTRICT = "全区"  # the district aggregate's name in stored tables
NO_UNIT = "未填写单位"  # how rows without a unit are listed (counted in the district totals, then rejected)
