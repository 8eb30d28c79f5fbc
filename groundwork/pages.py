"""Long lists on pages (a region's schools): one page at a time, ?page=N."""

from django.core.paginator import Paginator

PER_PAGE = 50


def page_of(request, items):
    """This request's page of `items`; a page number out of range or not a number gives the last
    or the first page. `page.query` is the rest of the query string, for the page links."""
    page = Paginator(items, PER_PAGE).get_page(request.GET.get("page"))
    rest = request.GET.copy()
    rest.pop("page", None)
    page.query = rest.urlencode() + "&" if rest else ""
    return page
