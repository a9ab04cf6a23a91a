// Command gendocs writes docs/settings.md from narwhal's settings table.
// Run it with "go generate ./config/".
package main

import (
	"flag"
	"log"
	"os"

	"github.com/narwhalhq/narwhal/config"
)

func main() {
	out := flag.String("o", "docs/settings.md", "output file")
	flag.Parse()
	if err := os.WriteFile(*out, config.Markdown(), 0o644); err != nil {
		log.Fatal(err)
	}
}
