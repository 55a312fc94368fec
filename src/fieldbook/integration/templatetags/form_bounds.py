"""`{{ field|unbounded }}`: a form field's widget without the browser's `maxlength`.

A browser given maxlength silently cuts a longer paste to the limit, so the user never learns
their text was shortened. Without it the form receives all of it and refuses it with the limit
named ("Ensure this value has at most 200 characters (it has 250)."); nothing is cut."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def unbounded(field: BoundField) -> SafeString:
    # attrs.html leaves out an attribute whose value is False; extra attrs override the widget's.
    html = field.as_widget(attrs={"maxlength": False})
    if field.field.show_hidden_initial:
        html += field.as_hidden(only_initial=True)
    return SafeString(html)
