package web

import (
	_ "embed"
	"net/http"
)

// openAPIDoc is the OpenAPI 3.1 document of every route routeTable lists.
// It is kept as JSON, the form it is served in, so that what a client
// fetches is the file itself, byte for byte, with nothing converted at
// start or on the way; explanations go in its description fields, where
// readers of the document see them. openapi_test.go holds it to the
// routes and validates real answers against it.
//
//go:embed openapi.json
var openAPIDoc []byte

// serveOpenAPI serves GET /openapi.json. It needs no token even when reads
// do: the document holds no data, is the same for every instance, and is
// how a client learns that it needs a token.
func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPIDoc)
}
