create or replace view data_dictionary as
with objects as (
    select table_name as object_name, 'table' as kind, comment
    from duckdb_tables()
    where database_name = current_database() and schema_name = 'main' and not temporary
    union all
    select view_name, 'view', comment
    from duckdb_views()
    where database_name = current_database() and schema_name = 'main' and not internal
        and not temporary
)

select
    o.object_name,
    o.kind,
    o.comment as object_description,
    c.column_name,
    c.data_type,
    c.comment as column_description
from objects as o
inner join duckdb_columns() as c
    on c.database_name = current_database()
    and c.schema_name = 'main'
    and c.table_name = o.object_name
order by o.kind, o.object_name, c.column_index;

comment on view data_dictionary is 'Every table and view with every column, its type and what it means: start here.';
comment on column data_dictionary.object_name is 'Name of the table or view.';
comment on column data_dictionary.kind is 'table or view.';
comment on column data_dictionary.object_description is 'What one row of it is.';
comment on column data_dictionary.column_name is 'Name of the column.';
comment on column data_dictionary.data_type is 'Its type (VARCHAR, TIMESTAMP WITH TIME ZONE, ...).';
comment on column data_dictionary.column_description is 'What the column holds.';
