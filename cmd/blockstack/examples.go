package main

import (
	"strings"

	"github.com/spf13/cobra"
)

// examples are the commands' Examples sections, by command path (after
// "blockstack"). They sit in one table so that they read as one tour and
// so that TestEveryCommandHasExamples can hold every leaf command to
// having some; withExamples puts them on the commands.
var examples = map[string]string{
	"devnet": `  blockstack devnet                                # everything on the default addresses, state in $HOME/.blockstack/devnet
  blockstack devnet --block-interval 0             # mine only on demand (blockstack chain mine)
  blockstack devnet --data-dir /tmp/dev2 --rpc-addr 127.0.0.1:26443 --api-addr 127.0.0.1:26270 \
      --hub-addr 127.0.0.1:24000 --app-addr 127.0.0.1:26280 --atlas-addr 127.0.0.1:26264   # a second devnet
  blockstack devnet --hub-config hub.json          # the hub with its own settings, e.g. {"maxFileUploadSize": 100}`,
	"node": `  blockstack node                                  # follow the devnet's chain, API on 127.0.0.1:6270
  blockstack node --network regtest --rpc 127.0.0.1:18334 --rpc-user u --rpc-pass p --data-dir /var/lib/bns`,
	"node status": `  blockstack node status
  blockstack node status --data-dir /var/lib/bns`,
	"hub": `  blockstack hub                                   # disk driver in $HOME/.blockstack/gaia, on 127.0.0.1:4000
  blockstack hub --listen 0.0.0.0:4000 --config hub.json
  GAIA_MAX_FILE_UPLOAD_SIZE=100 blockstack hub     # environment variables override the file`,
	"registrar": `  blockstack registrar --domain foo.test
  blockstack registrar --domain foo.test --listen 0.0.0.0:16290 --resolver-url https://registrar.example`,

	"dns": `  blockstack dns                                   # the devnet's names on 127.0.0.1:5353
  dig @127.0.0.1 -p 5353 alice.test A
  blockstack dns --node http://127.0.0.1:6270 --listen 0.0.0.0:53 --dns-suffix bns.example. --dns-ns-name ns1.example.`,

	"config check": `  blockstack config check /etc/blockstack/blockstack.toml
  BLOCKSTACK_CONFIG_FILE=deploy/blockstack.toml blockstack config check   # the file every command would read`,

	"chain tip": `  blockstack chain tip`,
	"chain mine": `  blockstack chain mine        # one block
  blockstack chain mine 10`,

	"wallet create": `  blockstack wallet create
  blockstack wallet create --mnemonic "abandon abandon … about"   # restore
  blockstack wallet create --wif "$(cat key.wif)"                  # a single key`,
	"wallet show": `  blockstack wallet show`,
	"wallet encrypt": `  blockstack wallet encrypt                        # asks for the passphrase twice
  BLOCKSTACK_PASSPHRASE=... blockstack wallet balance`,
	"wallet balance": `  blockstack wallet balance`,
	"wallet send":    `  blockstack wallet send mxmgGvGsnsosNr2HSfK91bCSLbqXasRnkx 100000`,
	"wallet faucet": `  blockstack wallet faucet                 # the default amount, waiting for a block
  blockstack wallet faucet 500000000 --wait=false`,

	"namespace create": `  blockstack namespace create test --lifetime 52595 --coeff 250 --base 4 \
      --buckets 6,5,4,3,2,1,0,0,0,0,0,0,0,0,0,0 --nonalpha-discount 10 --no-vowel-discount 10`,
	"namespace preorder": `  blockstack namespace preorder test      # then: namespace reveal test ... and namespace ready test`,
	"namespace reveal": `  blockstack namespace reveal test --lifetime 52595 --coeff 250 --base 4 \
      --buckets 6,5,4,3,2,1,0,0,0,0,0,0,0,0,0,0 --nonalpha-discount 10 --no-vowel-discount 10`,
	"namespace import": `  blockstack namespace import alice.test mxmgGvGsnsosNr2HSfK91bCSLbqXasRnkx --zonefile alice.zone`,
	"namespace ready":  `  blockstack namespace ready test`,
	"namespace show":   `  blockstack namespace show test`,

	"name preorder": `  blockstack name preorder alice.test     # then: name register alice.test`,
	"name register": `  blockstack name register alice.test
  blockstack name register alice.test --zonefile alice.zone

  where alice.zone is a DNS zone file, for instance:

    $ORIGIN alice.test
    $TTL 3600
    _http._tcp URI 10 1 "https://gaia.example/hub/1Q.../profile.json"`,
	"name update":   `  blockstack name update alice.test --zonefile alice.zone`,
	"name transfer": `  blockstack name transfer alice.test mxmgGvGsnsosNr2HSfK91bCSLbqXasRnkx --keep-zonefile`,
	"name renew": `  blockstack name renew alice.test
  blockstack name renew --auto --margin 30d --budget 2000000 alice.test bob.test`,
	"name revoke": `  blockstack name revoke alice.test`,

	"whois": `  blockstack whois alice.test`,
	"lookup": `  blockstack lookup alice.test                      # the zone file
  blockstack lookup alice.test --profile            # the owner-signed profile it leads to
  blockstack lookup alice.test --app https://notes.example`,
	"names": `  blockstack names mxmgGvGsnsosNr2HSfK91bCSLbqXasRnkx`,
	"names expiring": `  blockstack names expiring                                  # the wallet's names expiring within 30 days
  blockstack names expiring --within 8w mxmgGvGsnsosNr2HSfK91bCSLbqXasRnkx`,
	"price": `  blockstack price alice.test               # from the node
  blockstack price namespace test`,
	"price namespace": `  blockstack price namespace test`,
	"price name": `  blockstack price name alice.test --coeff 250 --base 4 --buckets 6,5,4,3,2,1,0,0,0,0,0,0,0,0,0,0 \
      --nonalpha-discount 10 --no-vowel-discount 10`,

	"keys new": `  blockstack keys new
  blockstack keys new --out keychain.json          # sealed with a passphrase ($BLOCKSTACK_PASSPHRASE or a prompt)`,
	"keys show":    `  blockstack keys show --index 0`,
	"keys app-key": `  blockstack keys app-key https://notes.example`,

	"gaia put": `  blockstack gaia put note.txt notes/note.txt
  blockstack gaia put note.txt notes/note.txt --encrypt --sign
  echo hello | blockstack gaia put - hello.txt --app https://notes.example`,
	"gaia get": `  blockstack gaia get notes/note.txt -o note.txt
  blockstack gaia get notes/note.txt --decrypt --verify
  blockstack gaia get public.txt --from alice.test --app https://notes.example`,
	"gaia ls": `  blockstack gaia ls
  blockstack gaia ls --app https://notes.example`,
	"gaia rm": `  blockstack gaia rm notes/note.txt --sign`,
	"gaia dump": `  blockstack gaia dump bucket-backup
  blockstack gaia dump notes-backup --app https://notes.example`,
	"gaia restore": `  blockstack gaia dump old-hub --hub https://old-hub.example && blockstack gaia restore old-hub --hub https://new-hub.example`,

	"profile publish": `  blockstack profile publish alice.test --person person.json --app https://notes.example`,
	"profile show":    `  blockstack profile show alice.test`,

	"subdomain register": `  blockstack subdomain register bob.foo.test --zonefile bob.zone
  blockstack subdomain register bob.foo.test --zonefile bob.zone --registrar http://127.0.0.1:16290`,
	"subdomain transfer": `  blockstack subdomain transfer bob.foo.test mxmgGvGsnsosNr2HSfK91bCSLbqXasRnkx`,
	"subdomain update":   `  blockstack subdomain update bob.foo.test --zonefile bob.zone`,
	"subdomain status":   `  blockstack subdomain status bob.foo.test`,

	"snapshot export": `  blockstack snapshot export names.snapshot`,
	"snapshot import": `  blockstack snapshot import names.snapshot --consensus-hash 3b1f4c... --height 120`,

	"tx decode": `  blockstack tx decode 0100000001... --sender-script 76a914...88ac
  blockstack tx decode 0100000001... --lookup-sender`,
}

// withExamples sets each command's Example from examples, and returns
// root.
func withExamples(root *cobra.Command) *cobra.Command {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if ex, ok := examples[commandKey(c)]; ok {
			c.Example = ex
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return root
}

// commandKey is c's path without the root's name: "gaia put".
func commandKey(c *cobra.Command) string {
	_, key, _ := strings.Cut(c.CommandPath(), " ")
	return key
}
