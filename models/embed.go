// Package models embeds the AWS service models (botocore's service-2.json
// files, gzipped, one per service) and the patches Virga applies to them.
package models

import "embed"

// FS holds aws/<service>.json.gz and patches/<service>.json.
//
//go:embed aws/*.json.gz patches
var FS embed.FS
