//go:build tools

// Package tools pins VolSync's controller (the module's cmd package) so that `go mod tidy`
// keeps its dependencies in go.mod and go.sum.
package tools

import (
	_ "github.com/backube/volsync/cmd"
)
