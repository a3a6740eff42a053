package web

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/internal/testenv"
	"github.com/driftmon/driftmon/storage/embedded"
)

// viewStore holds windowsOf's three windows of model m with decision rows
// for x (drifted in the last window only) and c, and a dataset row each.
func viewStore(t *testing.T) *embedded.Store {
	t.Helper()
	abc := []string{"a", "b", "c"}
	ws := testenv.WindowsOf(t, []float64{0, 0, 0}, [][]string{abc, abc, abc}, 50)
	store, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	for i, w := range ws {
		last := i == len(ws)-1
		res := []drift.Result{
			{Model: "m", Family: drift.Covariate, Feature: "x", Method: "ks", Statistic: 0.1 + 0.3*float64(i),
				Threshold: 0.5, ThresholdSource: "calibrated:bootstrap", Drifted: last, Decision: true},
			// Reported beside the verdict, past its usual level: not a
			// verdict, not shown.
			{Model: "m", Family: drift.Covariate, Feature: "c", Method: "chi2", Statistic: 40, Threshold: 0.05},
			{Model: "m", Family: drift.Covariate, Feature: "c", Method: "psi", Statistic: 0.01, Threshold: 0.2, Decision: true},
			{Model: "m", Family: drift.Dataset, Method: "drifted_share", Statistic: map[bool]float64{true: 0.5}[last]},
		}
		for j := range res {
			res[j].WindowSeq, res[j].WindowStart, res[j].WindowEnd = w.Seq, w.Start, w.End
		}
		if err := store.WriteWindow(context.Background(), w, res, uint64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	return store
}

func getPage(t *testing.T, url, auth string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestViewPage: / renders a chart per decision feature with both series
// and one point per window, marks x drifted (class and text) and c not,
// and draws the chosen window's histogram of c (categories a, b, c; the
// previous window as reference since the test server has no file).
func TestViewPage(t *testing.T) {
	base, _ := newAPI(t, &Server{store: viewStore(t)})
	code, page := getPage(t, base+"/", "")
	if code != http.StatusOK {
		t.Fatalf("GET /: %d\n%s", code, page)
	}
	for _, want := range []string{
		`<figure class="chart drifted" data-feature="x">`,
		`<figure class="chart" data-feature="c">`,
		`<tr class="feature drifted" data-feature="x">`,
		`<td class="verdict">drifted</td>`,
		`<td>0.5 <small class="source">calibrated:bootstrap</small></td>`,
		`1 of 2 drifted`,
		`previous window`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if n := strings.Count(page, `<polyline class="series `); n != 4 {
		t.Errorf("%d series, want 2 charts x (statistic, threshold)", n)
	}
	if strings.Contains(page, "chi2") {
		t.Errorf("page shows c's reported chi2 row")
	}
	code, page = getPage(t, base+"/?model=m&feature=c", "")
	if code != http.StatusOK {
		t.Fatalf("GET /?feature=c: %d", code)
	}
	if r, c := strings.Count(page, `class="bar reference"`), strings.Count(page, `class="bar current"`); r != 3 || c != 3 {
		t.Errorf("histogram of c: %d reference and %d current bars, want 3 each", r, c)
	}
	if code, _ := getPage(t, base+"/?model=bad%20name", ""); code != http.StatusBadRequest {
		t.Errorf("bad model name: %d, want 400", code)
	}
	if code, _ := getPage(t, base+"/nothing-here", ""); code != http.StatusNotFound {
		t.Errorf("/nothing-here: %d, want 404 (the view is / only)", code)
	}
}

// TestViewNeedsTokenForReads: with http.require_token_for_reads the view
// is a read like the API's and refuses a request without the token.
func TestViewNeedsTokenForReads(t *testing.T) {
	base, _ := newAPI(t, &Server{store: viewStore(t), token: "s3cret", tokenForReads: true})
	if code, _ := getPage(t, base+"/", ""); code != http.StatusUnauthorized {
		t.Errorf("without token: %d, want 401", code)
	}
	if code, _ := getPage(t, base+"/", "Bearer s3cret"); code != http.StatusOK {
		t.Errorf("with token: %d, want 200", code)
	}
}

// TestFoldCategories: beyond maxHistCategories the largest categories of
// either distribution stay, in order, and the rest become one bar, so the
// shares still sum to one.
func TestFoldCategories(t *testing.T) {
	n := maxHistCategories + 5
	labels := make([]string, n)
	cur, ref := make([]float64, n), make([]float64, n)
	for i := range labels {
		labels[i] = fmt.Sprintf("c%02d", i)
		cur[i], ref[i] = 0.5/float64(n-1), 0.5/float64(n-1)
	}
	cur[n-1], ref[0] = 0.5, 0.5 // one big category in each; all shares sum to one
	l, c, r := foldCategories(labels, cur, ref)
	if len(l) != maxHistCategories || len(c) != len(l) || len(r) != len(l) {
		t.Fatalf("%d labels, %d and %d shares, want %d each", len(l), len(c), len(r), maxHistCategories)
	}
	if l[0] != "c00" || l[len(l)-2] != labels[n-1] || l[len(l)-1] != "6 others" {
		t.Errorf("labels %v: want c00 first, the current's big category last before the others", l)
	}
	for name, sh := range map[string][]float64{"current": c, "reference": r} {
		sum := 0.0
		for _, v := range sh {
			sum += v
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("%s shares sum to %v", name, sum)
		}
	}
}
