package simulator

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// GitHub's pagination defaults (PROTOCOL.md §3.1).
const (
	defaultPerPage = 30
	maxPerPage     = 100
)

// pageRequest is the page a list call asked for.
type pageRequest struct {
	perPage int
	page    int
}

// parsePage reads per_page and page. Like GitHub it is lenient: values that are not
// positive numbers fall back to the defaults, and per_page is capped at 100.
func parsePage(q url.Values) pageRequest {
	p := pageRequest{perPage: defaultPerPage, page: 1}
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil && n > 0 {
		p.perPage = min(n, maxPerPage)
	}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 {
		p.page = n
	}
	return p
}

// bounds returns the [start, end) slice bounds of the page within total items.
func (p pageRequest) bounds(total int) (int, int) {
	if p.page-1 > total/p.perPage { // checked before multiplying, which could overflow
		return total, total
	}
	start := min((p.page-1)*p.perPage, total)
	return start, min(start+p.perPage, total)
}

// lastPage is the number of the last page; 1 for an empty list.
func (p pageRequest) lastPage(total int) int {
	if total == 0 {
		return 1
	}
	return (total + p.perPage - 1) / p.perPage
}

// linkHeader builds GitHub's Link header for a list of total items, or "" when there
// is a single page. Links are absolute, keep the request's other query parameters and
// come in GitHub's order: prev, next, last, first.
func linkHeader(r *http.Request, p pageRequest, total int) string {
	last := p.lastPage(total)
	if last == 1 && p.page == 1 {
		return ""
	}
	link := func(page int, rel string) string {
		q := r.URL.Query()
		q.Set("per_page", strconv.Itoa(p.perPage))
		q.Set("page", strconv.Itoa(page))
		u := url.URL{Scheme: "https", Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}
		return fmt.Sprintf("<%s>; rel=%q", u.String(), rel)
	}
	var links []string
	if p.page > 1 {
		links = append(links, link(min(p.page-1, last), "prev"))
	}
	if p.page < last {
		links = append(links, link(p.page+1, "next"), link(last, "last"))
	}
	if p.page > 1 {
		links = append(links, link(1, "first"))
	}
	return strings.Join(links, ", ")
}

// paginate cuts items to the requested page and sets the Link header.
func paginate[T any](w http.ResponseWriter, r *http.Request, items []T) []T {
	p := parsePage(r.URL.Query())
	if link := linkHeader(r, p, len(items)); link != "" {
		w.Header().Set("Link", link)
	}
	start, end := p.bounds(len(items))
	return items[start:end]
}
