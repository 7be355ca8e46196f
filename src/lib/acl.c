/*
 * acl.c - who may change a DMA policy value: the security descriptors of
 * the keys that hold the values (decoded with libfwnt).
 *
 * For each driver the key is Services\<svc>\Parameters (where
 * DmaRemappingCompatible lives), or Services\<svc> when Parameters is
 * absent (whoever can create it there can add an opt-out).  For each device
 * it is Device Parameters\DMA Management, else the nearest key it could be
 * created in.  A principal "may change the value" when its effective
 * rights on that key include setting values (or creating the subkey), or
 * rewriting the DACL or the owner, or deleting the key; the owner may
 * always rewrite the DACL.  Anyone but SYSTEM, Administrators and
 * TrustedInstaller holding such a right makes the key weak.
 *
 * Group memberships cannot be resolved offline: each SID stands alone.
 * ACEs apply in order (an explicit deny before the allows, as Windows
 * writes them); inherit-only ACEs do not apply to the key itself.
 */
#include "config.h"

#include "acl.h"
#include "bytes.h"

#include <libfwnt.h>
#include <stdio.h>
#include <string.h>

#include "bounds.h"
#include "strmap.h"
#include "text.h"

/* Registry access rights. */
#define KEY_SET_VALUE 0x00000002u
#define KEY_CREATE_SUB_KEY 0x00000004u
#define RIGHT_DELETE 0x00010000u
#define RIGHT_WRITE_DAC 0x00040000u
#define RIGHT_WRITE_OWNER 0x00080000u
#define GENERIC_ALL 0x10000000u
#define GENERIC_WRITE 0x40000000u

#define ACE_ALLOWED 0x00
#define ACE_DENIED 0x01
#define ACE_ALLOWED_CALLBACK 0x09
#define ACE_DENIED_CALLBACK 0x0A
#define ACE_INHERIT_ONLY 0x08

static const struct { const char *sid; const char *name; int admin; } WELL_KNOWN[] = {
	{ "S-1-5-18", "NT AUTHORITY\\SYSTEM", 1 },
	{ "S-1-5-32-544", "BUILTIN\\Administrators", 1 },
	{ "S-1-5-80-956008885-3425400245-3434434307-1547546390-1491212009",
	  "NT SERVICE\\TrustedInstaller", 1 },
	{ "S-1-1-0", "Everyone", 0 },
	{ "S-1-5-11", "NT AUTHORITY\\Authenticated Users", 0 },
	{ "S-1-5-32-545", "BUILTIN\\Users", 0 },
	{ "S-1-5-32-546", "BUILTIN\\Guests", 0 },
	{ "S-1-5-32-547", "BUILTIN\\Power Users", 0 },
	{ "S-1-5-32-549", "BUILTIN\\Server Operators", 0 },
	{ "S-1-5-32-551", "BUILTIN\\Backup Operators", 0 },
	{ "S-1-5-32-555", "BUILTIN\\Remote Desktop Users", 0 },
	{ "S-1-5-4", "NT AUTHORITY\\INTERACTIVE", 0 },
	{ "S-1-5-2", "NT AUTHORITY\\NETWORK", 0 },
	{ "S-1-5-6", "NT AUTHORITY\\SERVICE", 0 },
	{ "S-1-5-7", "NT AUTHORITY\\ANONYMOUS LOGON", 0 },
	{ "S-1-5-12", "NT AUTHORITY\\RESTRICTED", 0 },
	{ "S-1-5-19", "NT AUTHORITY\\LOCAL SERVICE", 0 },
	{ "S-1-5-20", "NT AUTHORITY\\NETWORK SERVICE", 0 },
	{ "S-1-3-0", "CREATOR OWNER", 0 },
	{ "S-1-3-1", "CREATOR GROUP", 0 },
	{ "S-1-3-4", "OWNER RIGHTS", 0 },
	{ "S-1-15-2-1", "ALL APPLICATION PACKAGES", 0 },
	{ "S-1-15-2-2", "ALL RESTRICTED APPLICATION PACKAGES", 0 },
};
#define N_WELL_KNOWN (sizeof(WELL_KNOWN) / sizeof(WELL_KNOWN[0]))

static int well_known(const char *sid)
{
	for (size_t i = 0; i < N_WELL_KNOWN; i++)
		if (strcmp(WELL_KNOWN[i].sid, sid) == 0)
			return (int)i;
	return -1;
}

/* LOCAL SERVICE, NETWORK SERVICE, SERVICE and the per-service SIDs
 * (NT SERVICE\<name>, S-1-5-80-...): low-privileged, but not a user. */
static int is_service_identity(const char *sid)
{
	return strcmp(sid, "S-1-5-19") == 0 || strcmp(sid, "S-1-5-20") == 0 ||
	       strcmp(sid, "S-1-5-6") == 0 || strncmp(sid, "S-1-5-80-", 9) == 0;
}

/* DMAR_RIGHT_* of an access mask. */
static uint32_t rights_of(uint32_t mask)
{
	uint32_t r = 0;
	if (mask & GENERIC_ALL)
		mask |= KEY_SET_VALUE | KEY_CREATE_SUB_KEY | RIGHT_DELETE |
		        RIGHT_WRITE_DAC | RIGHT_WRITE_OWNER;
	if (mask & GENERIC_WRITE)
		mask |= KEY_SET_VALUE | KEY_CREATE_SUB_KEY;
	if (mask & KEY_SET_VALUE)
		r |= DMAR_RIGHT_SET_VALUE;
	if (mask & KEY_CREATE_SUB_KEY)
		r |= DMAR_RIGHT_CREATE_SUBKEY;
	if (mask & RIGHT_WRITE_DAC)
		r |= DMAR_RIGHT_WRITE_DAC;
	if (mask & RIGHT_WRITE_OWNER)
		r |= DMAR_RIGHT_WRITE_OWNER;
	if (mask & RIGHT_DELETE)
		r |= DMAR_RIGHT_DELETE;
	return r;
}

/* A decoded descriptor: the owner and every SID's effective rights. */
typedef struct decoded {
	const uint8_t *bytes;
	size_t size;
	const char *owner;
	int no_dacl;
	const char *problem;
	size_t n;
	dmar_principal *principals;    /* one per distinct SID, at most one per ACE */
	uint32_t *denied;
	strmap by_sid;                 /* sid -> index (freed after decoding) */
} decoded;

typedef struct acl_ctx {
	dmar_arena *a;
	collect_sink *sink;
	arena_vec cache;           /* decoded *, by descriptor bytes */
	arena_vec acls;            /* dmar_key_acl */
} acl_ctx;

/* The SID at p (at most 'avail' bytes) as text, or NULL. */
static const char *sid_text(acl_ctx *c, const uint8_t *p, size_t avail)
{
	if (avail < 8 || p[1] > 15 || avail < 8u + 4u * p[1])
		return NULL;
	libfwnt_security_identifier_t *sid = NULL;
	const char *text = NULL;
	size_t size = 0;
	if (libfwnt_security_identifier_initialize(&sid, NULL) == 1 &&
	    libfwnt_security_identifier_copy_from_byte_stream(
	        sid, p, 8u + 4u * p[1], LIBFWNT_ENDIAN_LITTLE, NULL) == 1 &&
	    libfwnt_security_identifier_get_string_size(sid, &size, 0, NULL) == 1 &&
	    size > 0 && size <= 256) {
		uint8_t *buf = arena_alloc(c->a, size);
		if (buf != NULL &&
		    libfwnt_security_identifier_copy_to_utf8_string(sid, buf, size, 0,
		                                                    NULL) == 1)
			text = (const char *)buf;
	}
	libfwnt_security_identifier_free(&sid, NULL);
	return text;
}

static dmar_principal *principal(decoded *d, const char *sid)
{
	size_t at;
	if (strmap_get(&d->by_sid, sid, &at))
		return &d->principals[at];
	if (strmap_put(&d->by_sid, sid, d->n) != 0)
		return NULL;
	dmar_principal *p = &d->principals[d->n];
	d->denied[d->n++] = 0;
	int k = well_known(sid);
	p->sid = sid;
	p->name = k >= 0 ? WELL_KNOWN[k].name : NULL;
	p->administrative = k >= 0 && WELL_KNOWN[k].admin;
	p->service = is_service_identity(sid) && !p->administrative;
	p->rights = 0;
	return p;
}

#define ACE_ALLOWED_OBJECT 0x05
#define ACE_DENIED_OBJECT 0x06
#define ACE_ALLOWED_CALLBACK_OBJECT 0x0B
#define ACE_OBJECT_TYPE_PRESENT 0x1
#define ACE_INHERITED_OBJECT_TYPE_PRESENT 0x2

/* Apply one ACE (ace[0..size)); 0, or -1 when it is malformed or the
 * principal cannot be recorded.  A key is checked without an object type
 * list, so an object ACE applies only when it names no object type (then
 * it means what the plain ACE means).  A callback (conditional) ACE may or
 * may not apply: an allow is counted, a deny is not. */
static int apply_ace(acl_ctx *c, decoded *d, const uint8_t *ace, size_t size)
{
	uint8_t type = ace[0], flags = ace[1];
	size_t sid_at = 8;
	int allow;
	switch (type) {
	case ACE_ALLOWED: case ACE_ALLOWED_CALLBACK: allow = 1; break;
	case ACE_DENIED: allow = 0; break;
	case ACE_ALLOWED_OBJECT: case ACE_ALLOWED_CALLBACK_OBJECT:
	case ACE_DENIED_OBJECT: {
		if (size < 12)
			return -1;
		uint32_t of = le32(ace + 8);
		if (of & ACE_OBJECT_TYPE_PRESENT)
			return 0;   /* about one object type: not the key's rights */
		sid_at = 12 + ((of & ACE_INHERITED_OBJECT_TYPE_PRESENT) ? 16 : 0);
		allow = type != ACE_DENIED_OBJECT;
		break;
	}
	default:
		return 0;   /* denies that may not apply, audit, labels, unknown */
	}
	if (flags & ACE_INHERIT_ONLY)
		return 0;
	if (size < sid_at)
		return -1;
	const char *text = sid_text(c, ace + sid_at, size - sid_at);
	if (text == NULL)
		return -1;
	dmar_principal *p = principal(d, text);
	if (p == NULL)
		return -1;
	size_t i = (size_t)(p - d->principals);
	uint32_t r = rights_of(le32(ace + 4));
	if (allow)
		p->rights |= r & ~d->denied[i];
	else
		d->denied[i] |= r;
	return 0;
}

/* Decoded here rather than with libfwnt's descriptor parser: libfwnt
 * 20181227 reads the SACL and DACL offsets the wrong way round, and
 * rejects a whole descriptor with an object ACE (it takes the SID at byte
 * 40 of every object ACE), which would hide the ACL's other grants.  A
 * malformed ACL is a problem (the key's permissions are unknown), never
 * an empty one.  No cap on ACEs or principals: the ACL's 16-bit size
 * bounds both, and a cap would drop the grants after it. */
static void decode(acl_ctx *c, decoded *d)
{
	const uint8_t *b = d->bytes;
	if (d->size < 20 || b[0] != 1) {
		d->problem = "the security descriptor is too short or of an unknown revision";
		return;
	}
	uint16_t control = (uint16_t)(b[2] | b[3] << 8);
	uint32_t owner_at = le32(b + 4), dacl_at = le32(b + 16);
	if (owner_at != 0 && owner_at < d->size)
		d->owner = sid_text(c, b + owner_at, d->size - owner_at);
	/* no DACL (SE_DACL_PRESENT clear) or a NULL one: no restriction */
	d->no_dacl = !(control & 0x0004) || dacl_at == 0;
	if (d->no_dacl)
		return;
	if (dacl_at > d->size || d->size - dacl_at < 8) {
		d->problem = "the DACL lies outside the security descriptor";
		return;
	}
	const uint8_t *acl = b + dacl_at;
	size_t acl_size = (size_t)(acl[2] | acl[3] << 8);
	size_t count = (size_t)(acl[4] | acl[5] << 8);
	if (acl_size < 8 || acl_size > d->size - dacl_at || count > (acl_size - 8) / 8) {
		d->problem = "the DACL's size or ACE count is out of bounds";
		return;
	}
	d->principals = arena_calloc(c->a, count + 1, sizeof(*d->principals));
	d->denied = arena_calloc(c->a, count + 1, sizeof(*d->denied));
	if (d->principals == NULL || d->denied == NULL) {
		d->problem = "out of memory";
		return;
	}
	strmap_init(&d->by_sid);
	size_t at = 8;
	for (size_t i = 0; i < count && d->problem == NULL; i++) {
		size_t size = acl_size - at >= 4 ? (size_t)(acl[at + 2] | acl[at + 3] << 8) : 0;
		if (size < 8 || size > acl_size - at ||
		    apply_ace(c, d, acl + at, size) != 0)
			d->problem = "the DACL holds a malformed ACE";
		at += size;
	}
	strmap_free(&d->by_sid);
}

static const decoded *decoded_for(acl_ctx *c, const uint8_t *bytes, size_t size)
{
	decoded **items = c->cache.items;
	for (size_t i = 0; i < c->cache.count; i++)
		if (items[i]->size == size && memcmp(items[i]->bytes, bytes, size) == 0)
			return items[i];
	decoded *d = arena_calloc(c->a, 1, sizeof(*d));
	decoded **slot = d ? arena_vec_push(c->a, &c->cache) : NULL;
	if (slot == NULL)
		return NULL;
	d->bytes = bytes;
	d->size = size;
	decode(c, d);
	*slot = d;
	return d;
}

/* The key report for key k, guarding 'guards'; 'relevant' are the rights
 * that let a principal change the value there. */
static dmar_key_acl *report_key(acl_ctx *c, hkey *k, const char *path,
                               const char *guards, int holds_value)
{
	dmar_key_acl *acl = arena_calloc(c->a, 1, sizeof(*acl));
	if (acl == NULL)
		return NULL;
	acl->path = path;
	acl->guards = guards;
	acl->holds_value = holds_value;
	const uint8_t *bytes = NULL;
	size_t size = 0;
	int r = hkey_security_descriptor(k, c->a, &bytes, &size);
	const decoded *d = r > 0 ? decoded_for(c, bytes, size) : NULL;
	if (d == NULL || d->problem != NULL) {
		acl->problem = d ? d->problem : r == 0 ? "the key has no security descriptor"
		                              : "the security descriptor cannot be read";
		return acl;
	}
	uint32_t relevant = DMAR_RIGHT_WRITE_DAC | DMAR_RIGHT_WRITE_OWNER |
	                    (holds_value ? DMAR_RIGHT_SET_VALUE | DMAR_RIGHT_DELETE
	                                 : DMAR_RIGHT_CREATE_SUBKEY);
	int owner_known = d->owner ? well_known(d->owner) : -1;
	acl->owner_sid = d->owner;
	acl->owner_name = owner_known >= 0 ? WELL_KNOWN[owner_known].name : NULL;
	acl->no_dacl = d->no_dacl;
	dmar_principal *writers = arena_calloc(c->a, d->n + 2, sizeof(*writers));
	if (writers == NULL)
		return acl;
	size_t n = 0;
	int owner_rights = 0;   /* an OWNER RIGHTS ACE replaces the owner's own */
	if (d->no_dacl) {
		writers[n] = (dmar_principal){ "S-1-1-0", "Everyone", relevant, 0, 0 };
		n++;
	}
	for (size_t i = 0; i < d->n; i++) {
		const dmar_principal *p = &d->principals[i];
		owner_rights |= strcmp(p->sid, "S-1-3-4") == 0;
		/* CREATOR OWNER / GROUP (and their server forms) S-1-3-0..3 only
		 * stand for someone in inherited copies: on the key, no one */
		int creator = strncmp(p->sid, "S-1-3-", 6) == 0 && p->sid[6] >= '0' &&
		              p->sid[6] <= '3' && p->sid[7] == '\0';
		if ((p->rights & relevant) == 0 || creator)
			continue;
		writers[n] = *p;
		writers[n].rights = p->rights & relevant;
		if (strcmp(p->sid, "S-1-3-4") == 0)   /* OWNER RIGHTS: the owner's */
			writers[n].administrative = owner_known >= 0 &&
			                            WELL_KNOWN[owner_known].admin;
		n++;
	}
	/* the owner may always rewrite the DACL, unless OWNER RIGHTS ACEs say
	 * what the owner may do instead */
	if (d->owner != NULL && !owner_rights &&
	    !(owner_known >= 0 && WELL_KNOWN[owner_known].admin)) {
		writers[n] = (dmar_principal){ d->owner, acl->owner_name,
		                               DMAR_RIGHT_WRITE_DAC, 0,
		                               is_service_identity(d->owner) };
		n++;
	}
	acl->writers = writers;
	acl->n_writers = n;
	for (size_t i = 0; i < n; i++)
		acl->weak |= !writers[i].administrative;
	return acl;
}

/* Open the first existing key of 'names' under 'from' (one name per
 * level); report on the deepest one found.  'value' names what it guards. */
static dmar_key_acl *check_chain(acl_ctx *c, hkey *from, const char *base,
                                 const char *const *names, size_t n,
                                 const char *value, int from_counts)
{
	dmar_key_acl *acl = NULL;
	hkey *k = from, *next = NULL;
	const char *path = base;
	size_t depth = 0;
	for (; depth < n; depth++) {
		if (hkey_open_child(k, names[depth], &next) <= 0)
			break;
		if (k != from)
			hkey_free(k);
		k = next;
		path = arena_printf(c->a, "%s\\%s", path, names[depth]);
	}
	if (k != from || depth == n || from_counts)
		acl = report_key(c, k, path, value, depth == n);
	if (k != from)
		hkey_free(k);
	return acl;
}

static void push(acl_ctx *c, const dmar_key_acl *acl)
{
	dmar_key_acl *slot = acl ? arena_vec_push(c->a, &c->acls) : NULL;
	if (slot != NULL)
		*slot = *acl;
}

static void check_driver(acl_ctx *c, hkey *services, const char *cs_name,
                         const dmar_driver *dr)
{
	if (!dr->service_present)
		return;
	const char *names[] = { dr->name, "Parameters" };
	dmar_key_acl *acl = check_chain(c, services,
	                                arena_printf(c->a, "%s\\Services", cs_name),
	                                names, 2,
	                                arena_printf(c->a, "%s\\Services\\%s\\"
	                                             "Parameters\\DmaRemappingCompatible",
	                                             cs_name, dr->name), 0);
	if (acl != NULL)
		acl->driver = dr->name;
	push(c, acl);
}

/* The devices' keys, found by one walk of Enum\PCI by index: a lookup by
 * name opens the hardware key (reading its whole subkey list) and scans it
 * for every device, quadratic in the instances of one hardware id. */
static void check_devices(acl_ctx *c, hkey *pci, const char *cs_name,
                          const dmar_control_set *set)
{
	static const char *const names[] = { "Device Parameters", "DMA Management" };
	strmap ids;
	strmap_init(&ids);
	dmar_key_acl **found = arena_calloc(c->a, set->n_devices + 1, sizeof(*found));
	for (size_t i = 0; found && i < set->n_devices; i++)
		if (strmap_put(&ids, set->devices[i].instance_id, i) != 0)
			found = NULL;
	int n_hw = 0;
	if (found == NULL || hkey_subkey_count(pci, &n_hw) < 0)
		n_hw = 0;
	for (int i = 0; i < n_hw; i++) {
		hkey *hw = NULL;
		int n_inst = 0;
		if (hkey_subkey_at(pci, i, &hw) < 0 || hkey_subkey_count(hw, &n_inst) < 0)
			n_inst = 0;
		const char *hw_name = hw ? arena_strdup(c->a, hkey_name(hw)) : NULL;
		for (int j = 0; hw_name && j < n_inst; j++) {
			hkey *inst = NULL;
			size_t k;
			if (hkey_subkey_at(hw, j, &inst) < 0)
				continue;
			const char *id = arena_printf(c->a, "PCI\\%s\\%s", hw_name,
			                              hkey_name(inst));
			if (id != NULL && strmap_get(&ids, id, &k) && found[k] == NULL) {
				const dmar_device *d = &set->devices[k];
				found[k] = check_chain(c, inst, arena_printf(c->a,
				                       "%s\\Enum\\%s", cs_name, id), names, 2,
				                       arena_printf(c->a, "%s\\RemappingSupported",
				                                    d->dma.key_path), 1);
				if (found[k] != NULL)
					found[k]->instance_id = d->instance_id;
			}
			hkey_free(inst);
		}
		hkey_free(hw);
	}
	for (size_t i = 0; found && i < set->n_devices; i++)
		push(c, found[i]);
	strmap_free(&ids);
}

int acl_check(hkey *cs, collect_sink *sink, dmar_control_set *set)
{
	acl_ctx c;
	memset(&c, 0, sizeof(c));
	c.a = sink->arena;
	c.sink = sink;
	arena_vec_init(&c.cache, sizeof(decoded *));
	arena_vec_init(&c.acls, sizeof(dmar_key_acl));
	hkey *services = NULL, *pci = NULL;
	if (hkey_open(cs, "Services", &services) > 0)
		for (size_t i = 0; i < set->n_drivers; i++)
			check_driver(&c, services, set->name, &set->drivers[i]);
	if (hkey_open(cs, "Enum\\PCI", &pci) > 0)
		check_devices(&c, pci, set->name, set);
	hkey_free(services);
	hkey_free(pci);
	set->acls = c.acls.items;
	set->n_acls = c.acls.count;
	return arena_failed(c.a) ? -1 : 0;
}
