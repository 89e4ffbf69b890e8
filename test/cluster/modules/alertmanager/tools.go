//go:build tools

// Package tools keeps cmd/alertmanager's dependencies in this wrapper module's go.mod and go.sum.
package tools

import _ "github.com/prometheus/alertmanager/cmd/alertmanager"
