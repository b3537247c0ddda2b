package gaiaauth

import "testing"

func TestChallengeText(t *testing.T) {
	if got := ChallengeText("storage.blockstack.org"); got != `["gaiahub","0","storage.blockstack.org","blockstack_storage_please_sign"]` {
		t.Errorf("ChallengeText = %s", got)
	}
	if got := AcceptedChallenges("a<b")[1]; got != `["gaiahub","2018","a<b","blockstack_storage_please_sign"]` {
		t.Errorf("legacy challenge = %s (JSON.stringify does not escape <)", got)
	}
}

func TestAddressFromPubKey(t *testing.T) {
	a, err := AddressFromPubKeyHex("0241a5b046285f5e28004f92ccc423fcdd862ff3b808507180680b2407e229a778")
	if err != nil || a != "1AotVNASQouiNiBtfxv49WWvSNcQUzGYuU" {
		t.Errorf("address = %s, %v", a, err)
	}
	for _, bad := range []string{"", "zz", "0241a5b0", "0541a5b046285f5e28004f92ccc423fcdd862ff3b808507180680b2407e229a778"} {
		if _, err := AddressFromPubKeyHex(bad); err == nil {
			t.Errorf("AddressFromPubKeyHex(%q) succeeded", bad)
		}
	}
}
