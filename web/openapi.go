package web

import (
	_ "embed"
	"net/http"
)

// openAPIDocument describes /api/v1 and the webhook events. It is served
// without a token so that client generators and API tools can fetch it.
//
//go:embed openapi.json
var openAPIDocument []byte

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openAPIDocument)
}
