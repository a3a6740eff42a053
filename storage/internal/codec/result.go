package codec

import "github.com/driftmon/driftmon/drift"

// ResultKey is drift_results' ORDER BY key: of two results with the same
// key, the newer version replaces the older. The window start is whole
// seconds there (DateTime), so here too.
type ResultKey struct {
	Model, ModelVersion, Family, Feature, Method string
	// Start is the window start in Unix seconds.
	Start int64
}

// KeyOf is r's ResultKey.
func KeyOf(r drift.Result) ResultKey {
	return ResultKey{r.Model, r.ModelVersion, string(r.Family), r.Feature, r.Method, r.WindowStart.Unix()}
}
