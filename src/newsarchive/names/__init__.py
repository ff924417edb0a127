"""Names in every form: an alias table shared by search (query expansion) and entities.

from newsarchive.names import Entity, AliasTable, alias_table
alias_table().forms("華為")  # {"华为", "華為", "Huawei", ...}
"""

from newsarchive.names.table import AliasTable, Entity, TableError, form_key
from newsarchive.names.tables import alias_table

__all__ = ["AliasTable", "Entity", "TableError", "alias_table", "form_key"]
