/**
 * The JSON shape of an OpenFGA authorization model (schema 1.1, or 1.2 with module metadata), as sent
 * by @openfga/sdk and produced by @openfga/syntax-transformer. Field names follow the wire format.
 */
export interface RelationReference {
  readonly type: string;
  readonly relation?: string;
  readonly wildcard?: Record<string, never>;
  readonly condition?: string;
}

export type Userset =
  | { readonly this: Record<string, never> }
  | { readonly computedUserset: { readonly object?: string; readonly relation: string } }
  | {
      readonly tupleToUserset: {
        readonly tupleset: { readonly object?: string; readonly relation: string };
        readonly computedUserset: { readonly object?: string; readonly relation: string };
      };
    }
  | { readonly union: { readonly child: readonly Userset[] } }
  | { readonly intersection: { readonly child: readonly Userset[] } }
  | { readonly difference: { readonly base: Userset; readonly subtract: Userset } };

/** Schema 1.2: the module and file a type, relation or condition was declared in (no effect on evaluation). */
export interface ModuleMetadata {
  readonly module?: string;
  readonly source_info?: { readonly file?: string };
}

export interface RelationMetadata extends ModuleMetadata {
  readonly directly_related_user_types?: readonly RelationReference[];
}

export interface TypeDefinition {
  readonly type: string;
  readonly relations?: Readonly<Record<string, Userset>>;
  readonly metadata?: ({ readonly relations?: Readonly<Record<string, RelationMetadata>> } & ModuleMetadata) | null;
}

export type ConditionTypeName =
  | 'TYPE_NAME_UNSPECIFIED'
  | 'TYPE_NAME_ANY'
  | 'TYPE_NAME_BOOL'
  | 'TYPE_NAME_STRING'
  | 'TYPE_NAME_INT'
  | 'TYPE_NAME_UINT'
  | 'TYPE_NAME_DOUBLE'
  | 'TYPE_NAME_DURATION'
  | 'TYPE_NAME_TIMESTAMP'
  | 'TYPE_NAME_MAP'
  | 'TYPE_NAME_LIST'
  | 'TYPE_NAME_IPADDRESS';

export interface ConditionParamType {
  readonly type_name: ConditionTypeName;
  readonly generic_types?: readonly ConditionParamType[];
}

export interface ConditionDefinition {
  readonly name: string;
  readonly expression: string;
  readonly parameters?: Readonly<Record<string, ConditionParamType>>;
  readonly metadata?: ModuleMetadata;
}

export interface AuthorizationModelInput {
  readonly schema_version: string;
  readonly type_definitions: readonly TypeDefinition[];
  readonly conditions?: Readonly<Record<string, ConditionDefinition>>;
}

export interface AuthorizationModel extends AuthorizationModelInput {
  readonly id: string;
}
