-- Not additive: the previous server.js selects items.name, which is gone after this.
alter table items rename column name to title;
