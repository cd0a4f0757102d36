package simulator

import (
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPaginate(t *testing.T) {
	items := make([]int, 7)
	for i := range items {
		items[i] = i
	}
	const base = "https://127.0.0.1:1/api/v3/orgs/o/actions/runner-groups"
	cases := map[string]struct {
		reason string
		query  string
		total  int
		want   []int
		link   string
	}{
		"SinglePage": {
			reason: "No Link header when everything fits.",
			query:  "", total: 7, want: []int{0, 1, 2, 3, 4, 5, 6}, link: "",
		},
		"First": {
			reason: "The first page links next and last.",
			query:  "per_page=3", total: 7, want: []int{0, 1, 2},
			link: `<` + base + `?page=2&per_page=3>; rel="next", <` + base + `?page=3&per_page=3>; rel="last"`,
		},
		"Middle": {
			reason: "A middle page links all four, in GitHub's order.",
			query:  "per_page=3&page=2", total: 7, want: []int{3, 4, 5},
			link: `<` + base + `?page=1&per_page=3>; rel="prev", <` + base + `?page=3&per_page=3>; rel="next", <` + base + `?page=3&per_page=3>; rel="last", <` + base + `?page=1&per_page=3>; rel="first"`,
		},
		"Last": {
			reason: "The last page links prev and first.",
			query:  "per_page=3&page=3", total: 7, want: []int{6},
			link: `<` + base + `?page=2&per_page=3>; rel="prev", <` + base + `?page=1&per_page=3>; rel="first"`,
		},
		"BeyondLast": {
			reason: "A page past the end is empty and points back to the last page.",
			query:  "per_page=3&page=9", total: 7, want: []int{},
			link: `<` + base + `?page=3&per_page=3>; rel="prev", <` + base + `?page=1&per_page=3>; rel="first"`,
		},
		"HugePage": {
			reason: "A page number that would overflow is just past the end.",
			query:  "per_page=100&page=9223372036854775807", total: 7, want: []int{},
			link: `<` + base + `?page=1&per_page=100>; rel="prev", <` + base + `?page=1&per_page=100>; rel="first"`,
		},
		"KeepsOtherParameters": {
			reason: "Other query parameters survive in the links.",
			query:  "per_page=5&visible_to_repository=r", total: 7, want: []int{0, 1, 2, 3, 4},
			link: `<` + base + `?page=2&per_page=5&visible_to_repository=r>; rel="next", <` + base + `?page=2&per_page=5&visible_to_repository=r>; rel="last"`,
		},
		"InvalidValues": {
			reason: "Non-numeric or non-positive values fall back to the defaults.",
			query:  "per_page=abc&page=-2", total: 7, want: []int{0, 1, 2, 3, 4, 5, 6}, link: "",
		},
		"PerPageCapped": {
			reason: "per_page above 100 is capped.",
			query:  "per_page=1000", total: 7, want: []int{0, 1, 2, 3, 4, 5, 6}, link: "",
		},
		"Empty": {
			reason: "An empty list is one empty page.",
			query:  "", total: 0, want: []int{}, link: "",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := httptest.NewRequest("GET", base+"?"+tc.query, nil)
			w := httptest.NewRecorder()
			got := paginate(w, r, items[:tc.total])
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\npage (-want +got):\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.link, w.Header().Get("Link")); diff != "" {
				t.Errorf("%s\nLink (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}
