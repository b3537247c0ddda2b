package bns

import (
	"encoding/hex"
	"fmt"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/txscript"
)

// Fields names every field of a decoded operation as the spec does (and
// as blockstack-core's name operation records did), for JSON.
func (d *Decoded) Fields(net *Network) (map[string]any, error) {
	f := map[string]any{
		"op":            string(net.Magic[:]) + string(d.Op.Opcode()),
		"opcode":        d.Op.OpName(),
		"sender":        nil,
		"address":       nil,
		"sender_pubkey": nil,
	}
	if d.Sender != nil {
		f["sender"] = hex.EncodeToString(d.Sender)
		f["address"] = d.SenderAddress.EncodeAddress()
		if d.SenderPubKey != nil {
			f["sender_pubkey"] = hex.EncodeToString(d.SenderPubKey)
		}
	}
	name := func(fqn string) {
		f["name"] = fqn
		if _, ns, err := SplitName(fqn); err == nil {
			f["namespace_id"] = ns
		}
	}
	recipient := func(addr btcutil.Address) error {
		script, err := txscript.PayToAddrScript(addr)
		if err != nil {
			return err
		}
		f["recipient"] = hex.EncodeToString(script)
		f["recipient_address"] = addr.EncodeAddress()
		return nil
	}
	// The burnt (or, in a version-2 namespace, paid) amount is op_fee, as
	// blockstack-core's operation records name it (operations/preorder.py,
	// register.py, namespacepreorder.py).
	burn := func(addr btcutil.Address, fee int64) {
		f["burn_address"] = addr.EncodeAddress()
		f["op_fee"] = fee
	}
	registration := func(r *NameRegistration) error {
		name(r.Name)
		f["value_hash"] = nil
		if !r.NameOnly {
			f["value_hash"] = r.ValueHash.String()
		}
		return recipient(r.Recipient)
	}

	switch op := d.Op.(type) {
	case *NamePreorder:
		f["preorder_hash"] = op.PreorderHash.String()
		f["consensus_hash"] = op.ConsensusHash.String()
		burn(op.BurnAddress, op.Fee)
	case *NameRegistration:
		if err := registration(op); err != nil {
			return nil, err
		}
		// What the matching NAME_PREORDER must have committed to.
		if d.Sender != nil {
			h, err := PreorderHash(op.Name, d.Sender, op.Recipient)
			if err != nil {
				return nil, err
			}
			f["preorder_hash"] = h.String()
		}
	case *NameRenewal:
		if err := registration(&op.NameRegistration); err != nil {
			return nil, err
		}
		burn(op.BurnAddress, op.Fee)
	case *NameUpdate:
		f["name_consensus_hash"] = op.NameConsensusHash.String()
		f["value_hash"] = op.ValueHash.String()
	case *NameTransfer:
		f["disposition"] = string(op.Disposition())
		f["keep_data"] = op.KeepData
		f["name_hash128"] = op.NameHash128.String()
		f["consensus_hash"] = op.ConsensusHash.String()
		if err := recipient(op.Recipient); err != nil {
			return nil, err
		}
	case *NameRevoke:
		name(op.Name)
	case *NameImport:
		name(op.Name)
		f["value_hash"] = op.ValueHash.String()
		if err := recipient(op.Recipient); err != nil {
			return nil, err
		}
	case *NamespacePreorder:
		f["preorder_hash"] = op.PreorderHash.String()
		f["consensus_hash"] = op.ConsensusHash.String()
		burn(net.BurnAddress(), op.Fee)
	case *NamespaceReveal:
		f["namespace_id"] = op.NamespaceID
		f["lifetime"] = op.Lifetime
		f["coeff"] = op.Coeff
		f["base"] = op.Base
		buckets := make([]int, len(op.Buckets))
		for i, b := range op.Buckets {
			buckets[i] = int(b)
		}
		f["buckets"] = buckets
		f["nonalpha_discount"] = op.NonalphaDiscount
		f["no_vowel_discount"] = op.NoVowelDiscount
		f["version"] = op.Version
		if err := recipient(op.Recipient); err != nil {
			return nil, err
		}
		// What the matching NAMESPACE_PREORDER must have committed to.
		if d.Sender != nil {
			h, err := NamespacePreorderHash(op.NamespaceID, d.Sender, op.Recipient)
			if err != nil {
				return nil, err
			}
			f["preorder_hash"] = h.String()
		}
	case *NamespaceReady:
		f["namespace_id"] = op.NamespaceID
	case *Announce:
		f["message_hash"] = op.MessageHash.String()
	default:
		return nil, fmt.Errorf("no JSON form for %s", op.OpName())
	}
	return f, nil
}
