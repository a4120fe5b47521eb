"""The GraphQL contract: types, inputs, enums, field permissions, the Schema."""
