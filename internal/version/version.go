// Package version holds Virga's version string.
package version

// Version is Virga's version, set at build time with
// -ldflags "-X github.com/virga-aws/virga/internal/version.Version=...".
var Version = "0.1.0-dev"
