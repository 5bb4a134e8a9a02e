"""Bounded pages: `?page=2&page_size=50` (at most MAX_PAGE_SIZE), and a
cursor for the activity feed, which grows at its head while it is read."""

from rest_framework import pagination

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class PagePagination(pagination.PageNumberPagination):
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class ActivityCursor(pagination.CursorPagination):
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = ("-created_at", "-pk")
