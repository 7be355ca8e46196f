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

#include <libfwnt.h>
#include <stdio.h>
#include <string.h>

#include "limits.h"
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
	dmar_principal principals[MAX_PRINCIPALS];
	uint32_t denied[MAX_PRINCIPALS];
} decoded;

typedef struct acl_ctx {
	dmar_arena *a;
	collect_sink *sink;
	arena_vec cache;           /* decoded *, by descriptor bytes */
	arena_vec acls;            /* dmar_key_acl */
} acl_ctx;

static const char *sid_text(acl_ctx *c, libfwnt_security_identifier_t *sid)
{
	size_t size = 0;
	if (libfwnt_security_identifier_get_string_size(sid, &size, 0, NULL) != 1 ||
	    size == 0 || size > 256)
		return NULL;
	uint8_t *buf = arena_alloc(c->a, size);
	if (buf == NULL ||
	    libfwnt_security_identifier_copy_to_utf8_string(sid, buf, size, 0, NULL) != 1)
		return NULL;
	return (const char *)buf;
}

static dmar_principal *principal(decoded *d, const char *sid)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->principals[i].sid, sid) == 0)
			return &d->principals[i];
	if (d->n >= MAX_PRINCIPALS) {
		d->problem = "the DACL names more than 64 principals: not decided";
		return NULL;
	}
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

static void apply_ace(acl_ctx *c, decoded *d, libfwnt_access_control_entry_t *ace)
{
	uint8_t type = 0, flags = 0;
	uint32_t mask = 0;
	libfwnt_security_identifier_t *sid = NULL;
	if (libfwnt_access_control_entry_get_type(ace, &type, NULL) != 1 ||
	    libfwnt_access_control_entry_get_flags(ace, &flags, NULL) != 1 ||
	    libfwnt_access_control_entry_get_access_mask(ace, &mask, NULL) != 1 ||
	    libfwnt_access_control_entry_get_security_identifier(ace, &sid, NULL) != 1)
		return;   /* an object ACE or a damaged one: no key rights */
	if (flags & ACE_INHERIT_ONLY)
		return;
	const char *text = sid_text(c, sid);
	dmar_principal *p = text ? principal(d, text) : NULL;
	if (p == NULL)
		return;
	size_t i = (size_t)(p - d->principals);
	uint32_t r = rights_of(mask);
	if (type == ACE_DENIED || type == ACE_DENIED_CALLBACK)
		d->denied[i] |= r;
	else if (type == ACE_ALLOWED || type == ACE_ALLOWED_CALLBACK)
		p->rights |= r & ~d->denied[i];
}

/* A self-relative descriptor keeps the SACL offset at byte 12 and the DACL
 * offset at byte 16 (SECURITY_DESCRIPTOR_RELATIVE); libfwnt releases up to
 * at least 20181227 read them the other way round, so the DACL comes back
 * as its "system ACL".  Which way this libfwnt reads is found once, on a
 * descriptor with a DACL only. */
static int dacl_is_system_acl(void)
{
	static int answer = -1;
	if (answer >= 0)
		return answer;
	static const uint8_t probe[] = {
		1, 0, 0x04, 0x80, 0, 0, 0, 0, 0, 0, 0, 0,  /* control: DACL present */
		0, 0, 0, 0, 20, 0, 0, 0,                    /* SACL 0, DACL at 20 */
		2, 0, 8, 0, 0, 0, 0, 0                      /* an empty ACL */
	};
	libfwnt_security_descriptor_t *sd = NULL;
	libfwnt_access_control_list_t *acl = NULL;
	answer = 0;
	if (libfwnt_security_descriptor_initialize(&sd, NULL) == 1 &&
	    libfwnt_security_descriptor_copy_from_byte_stream(sd, probe, sizeof(probe),
	                                                      LIBFWNT_ENDIAN_LITTLE,
	                                                      NULL) == 1)
		answer = libfwnt_security_descriptor_get_discretionary_acl(sd, &acl, NULL) != 1;
	libfwnt_security_descriptor_free(&sd, NULL);
	return answer;
}

static void decode(acl_ctx *c, decoded *d)
{
	libfwnt_security_descriptor_t *sd = NULL;
	libfwnt_security_identifier_t *owner = NULL;
	libfwnt_access_control_list_t *dacl = NULL;
	libfwnt_error_t *e = NULL;
	if (d->size < 20) {
		d->problem = "the security descriptor is too short";
		return;
	}
	if (libfwnt_security_descriptor_initialize(&sd, &e) != 1 ||
	    libfwnt_security_descriptor_copy_from_byte_stream(sd, d->bytes, d->size,
	                                                      LIBFWNT_ENDIAN_LITTLE,
	                                                      &e) != 1) {
		d->problem = "the security descriptor cannot be decoded";
		libfwnt_error_free(&e);
		libfwnt_security_descriptor_free(&sd, NULL);
		return;
	}
	if (libfwnt_security_descriptor_get_owner(sd, &owner, NULL) == 1)
		d->owner = sid_text(c, owner);
	/* no DACL (control flag SE_DACL_PRESENT clear) or a NULL one: no
	 * restriction at all */
	uint16_t control = (uint16_t)(d->bytes[2] | d->bytes[3] << 8);
	uint32_t dacl_offset = (uint32_t)d->bytes[16] | (uint32_t)d->bytes[17] << 8 |
	                       (uint32_t)d->bytes[18] << 16 | (uint32_t)d->bytes[19] << 24;
	int r = 0;
	if ((control & 0x0004) && dacl_offset != 0)
		r = dacl_is_system_acl()
		  ? libfwnt_security_descriptor_get_system_acl(sd, &dacl, NULL)
		  : libfwnt_security_descriptor_get_discretionary_acl(sd, &dacl, NULL);
	d->no_dacl = !(control & 0x0004) || dacl_offset == 0;
	if (!d->no_dacl && r != 1)
		d->problem = "the DACL cannot be decoded";
	int n = 0;
	if (r == 1 && libfwnt_access_control_list_get_number_of_entries(dacl, &n, NULL) != 1)
		n = 0;
	if (n > MAX_ACES)
		d->problem = "the DACL has more entries than a descriptor can hold: "
		             "not decided";
	for (int i = 0; i < n && i < MAX_ACES; i++) {
		libfwnt_access_control_entry_t *ace = NULL;
		if (libfwnt_access_control_list_get_entry_by_index(dacl, i, &ace, NULL) == 1)
			apply_ace(c, d, ace);
	}
	libfwnt_security_descriptor_free(&sd, NULL);
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
	dmar_key_acl *acl = arena_vec_push(c->a, &c->acls);
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
	if (d->no_dacl) {
		writers[n] = (dmar_principal){ "S-1-1-0", "Everyone", relevant, 0, 0 };
		n++;
	}
	for (size_t i = 0; i < d->n; i++) {
		const dmar_principal *p = &d->principals[i];
		if ((p->rights & relevant) == 0 || strcmp(p->sid, "S-1-3-0") == 0)
			continue;
		writers[n] = *p;
		writers[n].rights = p->rights & relevant;
		if (strcmp(p->sid, "S-1-3-4") == 0)   /* OWNER RIGHTS: the owner's */
			writers[n].administrative = owner_known >= 0 &&
			                            WELL_KNOWN[owner_known].admin;
		n++;
	}
	/* the owner may always rewrite the DACL */
	if (d->owner != NULL && !(owner_known >= 0 && WELL_KNOWN[owner_known].admin)) {
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
                                 const char *value)
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
	if (k != from || depth == n)
		acl = report_key(c, k, path, value, depth == n);
	if (k != from)
		hkey_free(k);
	return acl;
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
	                                             cs_name, dr->name));
	if (acl != NULL)
		acl->driver = dr->name;
}

static void check_device(acl_ctx *c, hkey *pci, const char *cs_name,
                         const dmar_device *d)
{
	/* PCI\<hardware key>\<instance>: the two key names */
	const char *hw = strchr(d->instance_id, '\\');
	const char *inst = hw ? strchr(hw + 1, '\\') : NULL;
	if (hw == NULL || inst == NULL || strchr(inst + 1, '\\') != NULL)
		return;
	const char *names[] = { arena_strndup(c->a, hw + 1, (size_t)(inst - hw - 1)),
	                        inst + 1, "Device Parameters", "DMA Management" };
	if (names[0] == NULL)
		return;
	dmar_key_acl *acl = check_chain(c, pci, arena_printf(c->a, "%s\\Enum\\PCI",
	                                                     cs_name), names, 4,
	                                arena_printf(c->a, "%s\\RemappingSupported",
	                                             d->dma.key_path));
	if (acl != NULL)
		acl->instance_id = d->instance_id;
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
		for (size_t i = 0; i < set->n_devices; i++)
			check_device(&c, pci, set->name, &set->devices[i]);
	hkey_free(services);
	hkey_free(pci);
	set->acls = c.acls.items;
	set->n_acls = c.acls.count;
	return arena_failed(c.a) ? -1 : 0;
}
