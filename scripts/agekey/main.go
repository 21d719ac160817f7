// agekey writes a new age X25519 identity to the file named by its argument (as age-keygen
// does) and prints its recipient (public key): make bench uses it to take and restore a backup.
package main

import (
	"fmt"
	"os"

	"filippo.io/age"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./scripts/agekey IDENTITY-FILE")
		os.Exit(2)
	}
	id, err := age.GenerateX25519Identity()
	if err == nil {
		err = os.WriteFile(os.Args[1], []byte("# public key: "+id.Recipient().String()+"\n"+id.String()+"\n"), 0o600)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "agekey:", err)
		os.Exit(1)
	}
	fmt.Println(id.Recipient().String())
}
