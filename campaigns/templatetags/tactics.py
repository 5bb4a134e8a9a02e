"""How a tactic's own settings read on its page."""

from django import template

from .. import recurring

register = template.Library()


@register.filter
def repeat_label(rule):
    """ "Every week" for the common rules, the rule itself for a custom one."""
    return recurring.describe(rule)
